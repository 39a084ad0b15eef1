using SnapBuild.Patches;
using SnapBuild.Upstream;

namespace SnapBuild.Tests.Upstream;

public class ReleaseLineTests
{
    [Test]
    public void Should_compare_tags_as_versions()
    {
        var line = new ReleaseLine("mysql-9.7.*");

        var (overall, tracked) = line.Newest(["mysql-9.7.9", "mysql-9.7.10", "mysql-9.10.0", "mysql-9.8.0", "mysql-cluster-9.11.0",
            "mysql-9.7.11-rc", "mysql-10.0", "v11.0.0"]);

        Assert.Multiple(() =>
        {
            Assert.That(tracked!.Tag, Is.EqualTo("mysql-9.7.10"));
            Assert.That(overall!.Tag, Is.EqualTo("mysql-10.0"));
            Assert.That(line.Family, Is.EqualTo("mysql-"));
        });
    }

    [TestCase("mysql-9.7.2", "mysql-9.7.*")]
    [TestCase("v1.2", "v1.*")]
    [TestCase("release", "release")]
    public void Should_track_the_pinned_tags_line_when_the_recipe_names_none(string tag, string track) =>
        Assert.That(UpstreamChecker.DefaultTrack(tag), Is.EqualTo(track));

    [Test]
    public void Should_have_no_newest_release_when_no_tag_matches()
    {
        var (overall, tracked) = new ReleaseLine("demo-3.*").Newest(["demo-1.0.0", "other-3.0"]);

        Assert.Multiple(() =>
        {
            Assert.That(tracked, Is.Null);
            Assert.That(overall!.Tag, Is.EqualTo("demo-1.0.0"));
        });
    }
}

public class PatchReferencesTests
{
    [Test]
    public void Should_read_pull_requests_issues_and_commits_from_a_dep3_header()
    {
        var header = Dep3Header.Parse("x.patch", """
            Description: Something
            Author: A <a@example.org>
            Origin: backport, https://github.com/acme/demo/commit/4a7e5b1c9d3f2e8a
            Forwarded: https://github.com/acme/demo/pull/42
            Bug: https://github.com/acme/demo/issues/7
            Bug-Debian: https://bugs.debian.org/1000001
            Applied-Upstream: 1.10.0, commit:0123456789abcdef0123
            Last-Update: 2026-12-01

            --- a/x
            +++ b/x
            """);

        var references = PatchReferences.From(header, "acme/demo");

        Assert.Multiple(() =>
        {
            Assert.That(references.Threads.Select(t => (t.Number, t.IsPullRequest, t.Field)),
                Is.EqualTo(new[] { (42, true, "Forwarded"), (7, false, "Bug") }));
            Assert.That(references.Commits.Select(c => (c.Sha, c.Field)),
                Is.EqualTo(new[] { ("4a7e5b1c9d3f2e8a", "Origin"), ("0123456789abcdef0123", "Applied-Upstream") }));
        });
    }

    [Test]
    public void Should_find_nothing_to_ask_in_forwarded_no()
    {
        var header = Dep3Header.Parse("x.patch", "Description: d\nAuthor: A\nForwarded: no\n\n--- a/x\n+++ b/x\n");

        var references = PatchReferences.From(header, "acme/demo");

        Assert.That(references.Threads.Count + references.Commits.Count, Is.Zero);
    }

    [Test]
    public void Should_ignore_commits_of_another_repository()
    {
        var header = Dep3Header.Parse(
            "x.patch", "Description: d\nAuthor: A\nOrigin: https://github.com/other/fork/commit/4a7e5b1c9d3f\n\n--- a/x\n+++ b/x\n");

        Assert.That(PatchReferences.From(header, "acme/demo").Commits, Is.Empty);
    }
}
