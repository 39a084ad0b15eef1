using SnapBuild.Common;
using SnapBuild.Patches;

namespace SnapBuild.Tests.Patches;

public class Dep3HeaderTests
{
    private const string Diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";

    [Test]
    public void Should_read_every_field_with_continuation_lines()
    {
        var header = Dep3Header.Parse("p.patch", """
            Description: Make the priority optional
             Snap confinement forbids setpriority().
             .
             So compile it out.
            Author: Jane Doe <jane@example.invalid>
            Origin: vendor
            Bug: https://bugs.example.invalid/1
            Bug-Debian: https://bugs.debian.org/2
            Forwarded: https://github.com/mysql/mysql-server/pull/3
            Applied-Upstream: 9.8.0, https://github.com/mysql/mysql-server/commit/abc
            Last-Update: 2026-11-30
            ---

            """ + Diff);

        Assert.Multiple(() =>
        {
            Assert.That(header.Summary, Is.EqualTo("Make the priority optional"));
            Assert.That(header.Description, Does.Contain("Snap confinement").And.Contain("So compile it out."));
            Assert.That(header.Author, Is.EqualTo("Jane Doe <jane@example.invalid>"));
            Assert.That(header.Origin, Is.EqualTo("vendor"));
            Assert.That(header.Bugs.Keys, Is.EquivalentTo(new[] { "Bug", "Bug-Debian" }));
            Assert.That(header.Forwarded, Is.EqualTo("https://github.com/mysql/mysql-server/pull/3"));
            Assert.That(header.AppliedUpstream, Does.StartWith("9.8.0"));
            Assert.That(header.LastUpdate, Is.EqualTo("2026-11-30"));
        });
    }

    [Test]
    public void Should_accept_subject_and_from_as_git_format_patch_writes_them()
    {
        var header = Dep3Header.Parse("p.patch", "From: Jane <j@x.invalid>\nSubject: Fix it\n\n" + Diff);

        Assert.That((header.Summary, header.Author), Is.EqualTo(("Fix it", "Jane <j@x.invalid>")));
    }

    [TestCase("Author: A <a@x>\n", "lacks 'Description:'")]
    [TestCase("Description: d\n", "needs 'Origin:' or 'Author:'")]
    [TestCase("Description: d\nOrigin: vendor\nLast-Update: 30/11/2026\n", "not a date; write it as YYYY-MM-DD")]
    [TestCase("Description: d\nDescription: e\nOrigin: vendor\n", "appears twice")]
    [TestCase("just some words\n", "has no DEP-3 header")]
    public void Should_reject_a_malformed_header_with_the_fix(string header, string expected)
    {
        var error = Assert.Throws<UsageException>(() => Dep3Header.Parse("p.patch", header + Diff));

        Assert.That(error!.Message, Does.StartWith("p.patch").And.Contain(expected));
    }
}
