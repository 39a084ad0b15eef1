using SnapBuild.Common;
using SnapBuild.Patches;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Patches;

public class PatchApplierTests
{
    private const string Header = "Description: test change\nOrigin: vendor\nLast-Update: 2026-11-30\n---\n";

    private TestUpstream upstream = null!;
    private TempDirectory directory = null!;
    private string worktree = null!;
    private string upstreamCommit = null!;

    [SetUp]
    public void SetUp()
    {
        upstream = new TestUpstream();
        directory = new TempDirectory();
        worktree = directory.Combine("src");
        Shell.Git(directory.Path, "clone", "-q", upstream.Repository, worktree);
        Shell.Git(worktree, "checkout", "-q", TestUpstream.FirstTag);
        upstreamCommit = upstream.CommitOf(TestUpstream.FirstTag);
    }

    [TearDown]
    public void TearDown()
    {
        directory.Dispose();
        upstream.Dispose();
    }

    [Test]
    public void Should_commit_each_patch_under_its_name_with_deterministic_ids()
    {
        var series = SeriesFile.Read(Path.Combine(upstream.Series, "series"));

        var first = new PatchApplier(new CollectingLog()).Apply(worktree, upstreamCommit, series, false, default);
        Shell.Git(worktree, "checkout", "-q", upstreamCommit);
        var again = new PatchApplier(new CollectingLog()).Apply(worktree, upstreamCommit, series, false, default);

        Assert.Multiple(() =>
        {
            Assert.That(again.Head, Is.EqualTo(first.Head));
            Assert.That(Shell.Git(worktree, "log", "-1", "--format=%an|%ae|%ad", "--date=short").Trim(),
                Is.EqualTo("Snap Maintainer|maintainer@example.invalid|2026-11-30"));
            Assert.That(Shell.Git(worktree, "rev-parse", "--abbrev-ref", "HEAD").Trim(), Is.EqualTo(PatchApplier.Branch));
        });
    }

    [Test]
    public void Should_name_the_patch_file_and_hunk_that_fail_and_leave_the_last_good_patch()
    {
        var patches = directory.Combine("patches");
        upstream.CopySeriesTo(patches);
        File.WriteAllText(Path.Combine(patches, "0003-broken.patch"), Header + """
            --- a/src/helper4.cpp
            +++ b/src/helper4.cpp
            @@ -1 +1 @@
            -int helper4() { return 4; }
            +int helper4() { return 40; }
            --- a/src/page_cleaner.cpp
            +++ b/src/page_cleaner.cpp
            @@ -20,3 +20,3 @@
             void page_cleaner_thread() {
            -  if (this_line_is_not_there(-20)) {
            +  if (page_cleaner_set_priority(-19)) {
                 std::puts("page cleaner: priority raised");

            """);
        File.AppendAllText(Path.Combine(patches, "series"), "0003-broken.patch\n");

        var error = Assert.Throws<PatchFailedException>(() => new PatchApplier(new CollectingLog())
            .Apply(worktree, upstreamCommit, SeriesFile.Read(Path.Combine(patches, "series")), false, default));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith("0003-broken.patch (series line 4) does not apply"));
            Assert.That(error.Message, Does.Contain("hunk #1 of src/page_cleaner.cpp (at line 20"));
            Assert.That(error.Message, Does.Contain("left at 0002-mark-patched-build.patch"));
            Assert.That(Shell.Git(worktree, "log", "-1", "--format=%s").Trim(), Is.EqualTo("0002-mark-patched-build.patch"));
            Assert.That(File.ReadAllText(Path.Combine(worktree, "src", "helper4.cpp")), Does.Contain("return 4;"));
            Assert.That(Shell.Git(worktree, "status", "--porcelain").Trim(), Is.Empty);
        });
    }

    [TestCase("--- a/../outside.txt\n+++ b/../outside.txt\n", "leaves the source tree")]
    [TestCase("--- /etc/hostname\n+++ /etc/hostname\n", "absolute path")]
    [TestCase("--- a/.git/config\n+++ b/.git/config\n", "inside .git")]
    [TestCase("--- a/src/../../x\n+++ b/src/../../x\n", "leaves the source tree")]
    public void Should_refuse_a_patch_that_writes_outside_the_tree_before_writing_anything(string paths, string expected)
    {
        var patch = directory.Write("bad/evil.patch", Header + paths + "@@ -0,0 +1 @@\n+owned\n");
        var series = directory.Write("bad/series", "evil.patch\n");
        var head = Shell.Git(worktree, "rev-parse", "HEAD");

        var error = Assert.Throws<UsageException>(() => new PatchApplier(new CollectingLog())
            .Apply(worktree, upstreamCommit, SeriesFile.Read(series), false, default));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith("evil.patch").And.Contain(expected));
            Assert.That(Shell.Git(worktree, "rev-parse", "HEAD"), Is.EqualTo(head));
            Assert.That(File.Exists(patch), Is.True);
        });
    }

    [Test]
    public void Should_refuse_a_patch_that_writes_through_a_symbolic_link()
    {
        File.CreateSymbolicLink(Path.Combine(worktree, "escape"), "/tmp");
        directory.Write("bad/link.patch", Header + "--- a/escape/x.txt\n+++ b/escape/x.txt\n@@ -0,0 +1 @@\n+owned\n");
        var series = directory.Write("bad/series", "link.patch\n");

        var error = Assert.Throws<UsageException>(() => new PatchApplier(new CollectingLog())
            .Vet(SeriesFile.Read(series), worktree, allowBinary: false));

        Assert.That(error!.Message, Does.Contain("through the symbolic link 'escape'"));
    }

    [Test]
    public void Should_refuse_a_binary_patch_unless_the_recipe_allows_it()
    {
        directory.Write("bin/blob.patch", Header
            + "diff --git a/logo.png b/logo.png\nnew file mode 100644\nindex 0000000..1111111\nGIT binary patch\nliteral 1\nIcmZPo000310RR91\n\nliteral 0\nHcmV?d00001\n\n");
        var series = SeriesFile.Read(directory.Write("bin/series", "blob.patch\n"));

        var error = Assert.Throws<UsageException>(() => new PatchApplier(new CollectingLog()).Vet(series, worktree, false));
        Assert.That(error!.Message, Does.Contain("binary change to logo.png").And.Contain("allow-binary"));
        Assert.That(() => new PatchApplier(new CollectingLog()).Vet(series, worktree, true), Throws.Nothing);
    }

    [Test]
    public void Should_refuse_a_patch_that_changes_no_file()
    {
        directory.Write("empty/nothing.patch", Header);
        var series = SeriesFile.Read(directory.Write("empty/series", "nothing.patch\n"));

        var error = Assert.Throws<UsageException>(() => new PatchApplier(new CollectingLog()).Vet(series, worktree, false));

        Assert.That(error!.Message, Does.StartWith("nothing.patch changes no file"));
    }

    [Test]
    public void Should_warn_about_patch_files_the_series_leaves_out()
    {
        var patches = directory.Combine("patches");
        upstream.CopySeriesTo(patches);
        File.WriteAllText(Path.Combine(patches, "0099-forgotten.patch"), "whatever");
        var log = new CollectingLog();

        new PatchApplier(log).Vet(SeriesFile.Read(Path.Combine(patches, "series")), worktree, false);

        Assert.That(log.Lines, Has.Some.Contains("warning: 0099-forgotten.patch is in").And.Contains("not in the series"));
    }

    [Test]
    public void Should_refuse_to_patch_over_local_changes()
    {
        File.AppendAllText(Path.Combine(worktree, "README"), "my edit\n");

        var error = Assert.Throws<BuildException>(() => new PatchApplier(new CollectingLog())
            .Apply(worktree, upstreamCommit, SeriesFile.Read(Path.Combine(upstream.Series, "series")), false, default));

        Assert.That(error!.Message, Does.Contain("has local changes (README)"));
    }
}
