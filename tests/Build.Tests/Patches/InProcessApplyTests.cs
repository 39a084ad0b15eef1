using SnapBuild.Common;
using SnapBuild.Patches;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Patches;

/// <summary>
/// The in-process applier against <c>git apply --cached</c>: every series is applied both ways
/// on the same upstream, and the commits (so the trees, modes, messages and identities) must be
/// the same objects. Each case also says how many of its patches the in-process path must have
/// taken, so a case that silently went to git does not pass as a comparison.
/// </summary>
public class InProcessApplyTests
{
    private const string Header = "Description: a change\nAuthor: Snap Maintainer <maintainer@example.invalid>\n"
        + "Last-Update: 2026-11-30\n---\n";

    private TempDirectory directory = null!;
    private string worktree = null!;
    private string upstream = null!;

    [SetUp]
    public void SetUp()
    {
        directory = new TempDirectory();
        worktree = directory.Combine("src");
        Directory.CreateDirectory(worktree);
        Shell.Git(worktree, "init", "-q");
        var lines = string.Concat(Enumerable.Range(1, 40).Select(n => $"line {n}\n"));
        Write("a.txt", lines);
        Write("nonl.txt", "one\ntwo\nthree");
        Write("crlf.txt", "alpha\r\nbeta\r\ngamma\r\n");
        Write("blank.txt", "top\n\nbottom\n");
        Write("run.sh", "#!/bin/sh\necho hi\n");
        Shell.Run(worktree, "chmod", "755", "run.sh");
        Write("dir/sub/only.txt", "only\n");
        Write("dir/keep.txt", "keep\n");
        Write("with space.txt", "first\nsecond\n");
        var filler = (int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(n => $"f{n}\n"));
        Write("repeat.txt", "a\nb\nc\n" + filler(4, 10) + "a\nb\nc\n" + filler(14, 17) + "a\nb\nc\n");
        Shell.Git(worktree, "add", "-A");
        Shell.Git(worktree, "commit", "-q", "-m", "upstream");
        upstream = Shell.Git(worktree, "rev-parse", "HEAD").Trim();
    }

    [TearDown]
    public void TearDown() => directory.Dispose();

    private static IEnumerable<TestCaseData> Cases()
    {
        static TestCaseData Case(string name, int inProcess, params string[] patches) =>
            new TestCaseData(patches, inProcess).SetName($"Should_match_git_for_{name}");

        const string modify = "--- a/a.txt\n+++ b/a.txt\n";
        yield return Case("a_change_in_place", 1, Header + "diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n"
            + modify + "@@ -8,5 +8,5 @@\n line 8\n line 9\n-line 10\n+line ten\n line 11\n line 12\n");
        yield return Case("a_hunk_found_at_an_offset", 1, Header + modify
            + "@@ -4,5 +4,5 @@\n line 8\n line 9\n-line 10\n+line ten\n line 11\n line 12\n");
        yield return Case("two_hunks", 1, Header + modify
            + "@@ -1,3 +1,3 @@\n line 1\n-line 2\n+line two\n line 3\n"
            + "@@ -29,3 +29,3 @@\n line 29\n-line 30\n+line thirty\n line 31\n");
        yield return Case("a_line_added_at_the_top", 1, Header + modify
            + "@@ -1,2 +1,3 @@\n+line 0\n line 1\n line 2\n");
        yield return Case("a_line_added_at_the_end", 1, Header + modify
            + "@@ -39,2 +39,3 @@\n line 39\n line 40\n+line 41\n");
        yield return Case("a_last_line_without_newline", 1, Header + "--- a/nonl.txt\n+++ b/nonl.txt\n"
            + "@@ -2,2 +2,2 @@\n two\n-three\n\\ No newline at end of file\n+THREE\n\\ No newline at end of file\n");
        yield return Case("a_newline_added_at_the_end", 1, Header + "--- a/nonl.txt\n+++ b/nonl.txt\n"
            + "@@ -2,2 +2,2 @@\n two\n-three\n\\ No newline at end of file\n+three\n");
        yield return Case("new_files_in_new_folders", 1, Header
            + "diff --git a/dir/new/deep.txt b/dir/new/deep.txt\nnew file mode 100644\nindex 0000000..2222222\n"
            + "--- /dev/null\n+++ b/dir/new/deep.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n"
            + "diff --git a/tool.sh b/tool.sh\nnew file mode 100755\nindex 0000000..3333333\n"
            + "--- /dev/null\n+++ b/tool.sh\n@@ -0,0 +1 @@\n+echo tool\n");
        yield return Case("a_deleted_file_and_its_empty_folder", 1, Header
            + "diff --git a/dir/sub/only.txt b/dir/sub/only.txt\ndeleted file mode 100644\nindex 3333333..0000000\n"
            + "--- a/dir/sub/only.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-only\n");
        yield return Case("a_quilt_style_diff", 1, Header + "Index: src/a.txt\n"
            + "===================================================================\n"
            + "--- src.orig/a.txt\t2026-11-30 10:00:00.000000000 +0000\n"
            + "+++ src/a.txt\t2026-11-30 10:01:00.000000000 +0000\n"
            + "@@ -20,3 +20,3 @@\n line 20\n-line 21\n+line twenty-one\n line 22\n");
        yield return Case("crlf_lines", 1, Header + "--- a/crlf.txt\n+++ b/crlf.txt\n"
            + "@@ -1,3 +1,3 @@\n alpha\r\n-beta\r\n+BETA\r\n gamma\r\n");
        yield return Case("an_executable_keeps_its_mode", 1, Header + "--- a/run.sh\n+++ b/run.sh\n"
            + "@@ -1,2 +1,2 @@\n #!/bin/sh\n-echo hi\n+echo hello\n");
        yield return Case("an_empty_context_line", 1, Header + "--- a/blank.txt\n+++ b/blank.txt\n"
            + "@@ -1,3 +1,3 @@\n-top\n+TOP\n\n bottom\n");
        yield return Case("a_mail_with_two_files_and_a_signature", 1,
            "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
            + "From: \"Dr. Jane Doe, Jr.\" <jane@example.org>\nDate: Mon, 30 Nov 2026 10:00:00 +0000\n"
            + "Subject: [PATCH] two files\n\nWhy both change.\n---\n a.txt        | 2 +-\n dir/keep.txt | 1 +\n\n"
            + "diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n" + modify
            + "@@ -10,3 +10,3 @@\n line 10\n-line 11\n+line eleven\n line 12\n"
            + "diff --git a/dir/keep.txt b/dir/keep.txt\nindex 1111111..2222222 100644\n"
            + "--- a/dir/keep.txt\n+++ b/dir/keep.txt\n@@ -1 +1,2 @@\n keep\n+kept\n-- \n2.39.5\n\n");
        yield return Case("a_file_created_then_changed", 2,
            Header + "--- /dev/null\n+++ b/later.txt\n@@ -0,0 +1,2 @@\n+first\n+second\n",
            Header + "--- a/later.txt\n+++ b/later.txt\n@@ -1,2 +1,2 @@\n first\n-second\n+2nd\n");
        yield return Case("the_nearer_of_two_matches", 1, Header + "--- a/repeat.txt\n+++ b/repeat.txt\n"
            + "@@ -9,3 +9,3 @@\n a\n-b\n+B\n c\n");
        yield return Case("two_matches_equally_far", 1, Header + "--- a/repeat.txt\n+++ b/repeat.txt\n"
            + "@@ -6,3 +6,3 @@\n a\n-b\n+B\n c\n");
        yield return Case("no_trailing_context_matches_at_the_end", 1, Header + "--- a/repeat.txt\n+++ b/repeat.txt\n"
            + "@@ -11,3 +11,4 @@\n a\n b\n c\n+d\n");
        yield return Case("a_header_without_author", 1, "Description: no author\nOrigin: vendor\n---\n" + modify
            + "@@ -1,3 +1,3 @@\n line 1\n-line 2\n+line II\n line 3\n");
        yield return Case("a_rename_left_to_git", 0, Header
            + "diff --git a/dir/keep.txt b/dir/kept.txt\nsimilarity index 100%\n"
            + "rename from dir/keep.txt\nrename to dir/kept.txt\n");
        yield return Case("a_mode_change_left_to_git", 1,
            Header + "diff --git a/run.sh b/run.sh\nold mode 100755\nnew mode 100644\n",
            Header + modify + "@@ -1,3 +1,3 @@\n line 1\n-line 2\n+line II\n line 3\n");
        yield return Case("one_file_twice_left_to_git", 0, Header
            + modify + "@@ -1,3 +1,3 @@\n line 1\n-line 2\n+line II\n line 3\n"
            + modify + "@@ -20,3 +20,3 @@\n line 20\n-line 21\n+line XXI\n line 22\n");
        yield return Case("a_name_with_a_space_left_to_git", 0, Header
            + "diff --git a/with space.txt b/with space.txt\nindex 1111111..2222222 100644\n"
            + "--- a/with space.txt\n+++ b/with space.txt\n@@ -1,2 +1,2 @@\n-first\n+FIRST\n second\n");
        yield return Case("a_diff_n_creation_left_to_git", 0, Header
            + "--- a/made.txt\t1970-01-01 00:00:00.000000000 +0000\n"
            + "+++ b/made.txt\t2026-11-30 10:00:00.000000000 +0000\n"
            + "@@ -0,0 +1 @@\n+made\n");    }

    [TestCaseSource(nameof(Cases))]
    public void Should_match_git(string[] patches, int inProcess)
    {
        var series = WriteSeries(patches);

        var fast = new PatchApplier(new CollectingLog()).Apply(worktree, upstream, series, false, default);
        Shell.Git(worktree, "checkout", "-q", "-f", "--detach", upstream);
        var byGit = new PatchApplier(new CollectingLog()) { InProcess = false }
            .Apply(worktree, upstream, series, false, default);

        Assert.Multiple(() =>
        {
            Assert.That(fast.Head, Is.EqualTo(byGit.Head), "the commit of the in-process path");
            Assert.That(fast.AppliedInProcess, Is.EqualTo(inProcess), "patches applied in process");
            Assert.That(byGit.AppliedInProcess, Is.Zero);
            Assert.That(Shell.Git(worktree, "fsck", "--no-dangling").Trim(), Is.Empty);
        });
    }

    [TestCase("--- a/a.txt\n+++ b/a.txt\n@@ -10,3 +10,3 @@\n line 10\n-line 99\n+line 11\n line 12\n",
        "hunk #1 of a.txt (at line 10")]
    [TestCase("--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1 @@\n+again\n", "a.txt")]
    [TestCase("--- a/missing.txt\n+++ b/missing.txt\n@@ -1 +1 @@\n-x\n+y\n", "missing.txt does not exist")]
    [TestCase("diff --git a/dir/keep.txt b/dir/keep.txt\ndeleted file mode 100644\n"
        + "--- a/dir/keep.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-kept\n", "dir/keep.txt")]
    public void Should_fail_as_git_does_and_leave_the_worktree_at_the_last_good_patch(string diff, string expected)
    {
        var good = Header + "--- a/dir/keep.txt\n+++ b/dir/keep.txt\n@@ -1 +1,2 @@\n keep\n+more\n";
        var series = WriteSeries([good, Header + diff]);

        var fast = Assert.Throws<PatchFailedException>(() =>
            new PatchApplier(new CollectingLog()).Apply(worktree, upstream, series, false, default));
        var fastHead = Shell.Git(worktree, "rev-parse", "HEAD").Trim();
        Shell.Git(worktree, "checkout", "-q", "-f", "--detach", upstream);
        var byGit = Assert.Throws<PatchFailedException>(() =>
            new PatchApplier(new CollectingLog()) { InProcess = false }
                .Apply(worktree, upstream, series, false, default));

        Assert.Multiple(() =>
        {
            Assert.That(fast!.Message, Is.EqualTo(byGit!.Message));
            Assert.That(fast.Message, Does.Contain(expected).And.Contain("left at 0001.patch"));
            Assert.That(fastHead, Is.EqualTo(Shell.Git(worktree, "rev-parse", "HEAD").Trim()));
            Assert.That(File.ReadAllText(Path.Combine(worktree, "dir", "keep.txt")), Is.EqualTo("keep\nmore\n"));
        });
    }

    [Test]
    public void Should_not_let_a_users_apply_ignore_whitespace_setting_change_the_result()
    {
        // Context that differs from the file only in blanks: git with apply.ignoreWhitespace=change
        // would take it, the in-process path does not; both must refuse it on every machine.
        var series = WriteSeries([Header
            + "--- a/a.txt\n+++ b/a.txt\n@@ -9,3 +9,3 @@\n line  9\n-line 10\n+line ten\n line 11\n"]);
        var config = directory.Write("global.gitconfig", "[apply]\n\tignoreWhitespace = change\n");
        var before = Environment.GetEnvironmentVariable("GIT_CONFIG_GLOBAL");
        Environment.SetEnvironmentVariable("GIT_CONFIG_GLOBAL", config);
        try
        {
            var error = Assert.Throws<PatchFailedException>(() =>
                new PatchApplier(new CollectingLog()).Apply(worktree, upstream, series, false, default));
            Assert.That(error!.Message, Does.Contain("hunk #1 of a.txt"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("GIT_CONFIG_GLOBAL", before);
        }
    }

    [Test]
    public void Should_apply_the_test_upstreams_series_in_process()
    {
        using var testUpstream = new TestUpstream();
        var clone = directory.Combine("upstream-clone");
        Shell.Git(directory.Path, "clone", "-q", testUpstream.Repository, clone);
        var commit = testUpstream.CommitOf(TestUpstream.FirstTag);
        Shell.Git(clone, "checkout", "-q", commit);
        var series = SeriesFile.Read(Path.Combine(testUpstream.Series, "series"));

        var fast = new PatchApplier(new CollectingLog()).Apply(clone, commit, series, false, default);
        Shell.Git(clone, "checkout", "-q", "-f", "--detach", commit);
        var byGit = new PatchApplier(new CollectingLog()) { InProcess = false }
            .Apply(clone, commit, series, false, default);

        Assert.Multiple(() =>
        {
            Assert.That(fast.AppliedInProcess, Is.EqualTo(series.Entries.Count));
            Assert.That(fast.Head, Is.EqualTo(byGit.Head));
        });
    }

    private SeriesFile WriteSeries(string[] patches)
    {
        var names = patches.Select((_, i) => $"{i + 1:D4}.patch").ToList();
        for (var i = 0; i < patches.Length; i++)
        {
            directory.Write($"patches/{names[i]}", patches[i]);
        }

        return SeriesFile.Read(directory.Write("patches/series", string.Join('\n', names) + "\n"));
    }

    private void Write(string relative, string content) => directory.Write(Path.Combine("src", relative), content);
}
