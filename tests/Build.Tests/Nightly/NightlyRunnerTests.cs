using SnapBuild.Common;
using SnapBuild.Nightly;
using SnapBuild.Tests.Support;
using SnapBuild.Toolchains;
using SnapBuild.Upstream;

namespace SnapBuild.Tests.Nightly;

/// <summary>
/// Nightly on the tests' own upstream: a GitHub stand-in that serves the git remote's tags and
/// files, and new upstream releases that leave the series alone, move it, or break it.
/// </summary>
[NonParallelizable]
public class NightlyRunnerTests
{
    [Test]
    public async Task Should_apply_unchanged_and_build_the_newest_tag_when_upstream_did_not_touch_the_patched_files()
    {
        using var night = new Night();

        var report = await night.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Tag, Is.EqualTo(TestUpstream.SecondTag));
            Assert.That(report.Trials.Select(t => t.Outcome), Has.All.EqualTo(TrialOutcome.Unchanged));
            Assert.That(report.Built, Is.True, report.BuildDetail);
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.StillNeeded));
            Assert.That(File.Exists(Path.Combine(night.Project.ArtifactsDirectory, "nightly.json")), Is.True);
            Assert.That(File.Exists(Path.Combine(night.Project.WorkDirectory, "demo", "nightly", "demo", "stage", Architecture.Host.Name, "usr", "bin", "cleaner")),
                Is.True, "the trial is built in its own work directory");
        });
    }

    [Test]
    public async Task Should_report_offsets_and_with_update_recipe_move_the_recipe_lock_and_patches_to_the_new_tag()
    {
        using var night = new Night();
        var commit = night.Upstream.Release("v1.2.0", work => Prepend(work, "src/page_cleaner.cpp", "// Moved down by three lines.\n//\n//\n"));
        var before = File.ReadAllText(night.Project.RecipePath);

        var report = await night.RunAsync("--update-recipe");

        var moved = report.Trials.Single(t => t.Outcome == TrialOutcome.Offsets);
        var patch = Path.Combine(night.Project.PatchesDirectory, moved.Patch);
        Assert.Multiple(() =>
        {
            Assert.That(report.Tag, Is.EqualTo("v1.2.0"));
            Assert.That(moved.Detail, Does.Match(@"applies with offsets: hunk #1 of src/page_cleaner\.cpp at line \d+ \(3 lines\)"));
            Assert.That(report.Built, Is.True, report.BuildDetail);
            Assert.That(report.RecipeUpdated, Is.True);
            Assert.That(File.ReadAllText(night.Project.RecipePath), Is.EqualTo(before.Replace("tag: v1.0.0", "tag: v1.2.0", StringComparison.Ordinal)));
            Assert.That(File.ReadAllText(night.Project.LockPath), Does.Contain("tag: 'v1.2.0'").And.Contain(commit));
            Assert.That(File.ReadAllText(patch), Does.StartWith("Description:"), "the DEP-3 header stays");
        });
        var check = ProcessRunner.Run(new ProcessSpec("git", ["apply", "--check", "--verbose", patch]) { WorkingDirectory = Checkout(night, "v1.2.0") });
        Assert.That(check.StandardError, Does.Not.Contain("offset"), "the refreshed patch applies at its lines");
    }

    [Test]
    public async Task Should_name_the_hunk_that_conflicts_and_not_build()
    {
        using var night = new Night();
        night.Upstream.Release("v1.3.0", work => Replace(work, "src/page_cleaner.cpp", "setpriority(", "setpriority /* upstream reworked this */ ("));

        var report = await night.RunAsync("--update-recipe");

        Assert.Multiple(() =>
        {
            Assert.That(report.Trials.Select(t => t.Detail), Has.Some.Match(@"^conflicts: hunk #\d+ of src/page_cleaner\.cpp \(line \d+\) does not apply$"));
            Assert.That(report.Built, Is.Null);
            Assert.That(report.RecipeUpdated, Is.False);
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.NeedsAttention));
            Assert.That(File.ReadAllText(night.Project.RecipePath), Does.Contain("tag: v1.0.0"), "the recipe is left alone");
        });
    }

    [Test]
    public void Should_exit_with_the_answer_through_the_host()
    {
        using var night = new Night();
        night.MirrorTags();

        const string token = "ghp_NightlyTokenNeverInAnyFile0123456789";

        var result = HostRun.Run(
            night.Project.Root,
            new Dictionary<string, string?> { ["GITHUB_TOKEN"] = token },
            [.. night.Project.Arguments("--target=Nightly", $"--github-api-url={night.GitHub.Url}")]);

        var everything = result.StandardOutput + result.StandardError + string.Concat(
            Directory.EnumerateFiles(night.Project.Root, "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/.git/objects/", StringComparison.Ordinal))
                .Select(f => File.ReadAllText(f)));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.CombinedTail(30));
            Assert.That(everything.Contains(token, StringComparison.Ordinal), Is.False,
                "the token is in no output, log, stage record, cache file or report");
            Assert.That(night.GitHub.Seen.All(r => r.Authorization == $"Token {token}"), Is.True, "but every request carried it");
            Assert.That(result.StandardOutput, Does.Contain("Nightly: exit code 0"));
            Assert.That(result.StandardOutput, Does.Contain("0001").And.Contain("applies unchanged"));
        });
    }

    private static string Checkout(Night night, string tag)
    {
        var directory = Path.Combine(night.Project.Root, "checkout-" + tag);
        Shell.Git(night.Project.Root, "clone", "-q", "--branch", tag, night.Upstream.Repository, directory);

        return directory;
    }

    private static void Prepend(string work, string file, string text) =>
        File.WriteAllText(Path.Combine(work, file), text + File.ReadAllText(Path.Combine(work, file)));

    private static void Replace(string work, string file, string from, string to) =>
        File.WriteAllText(Path.Combine(work, file), File.ReadAllText(Path.Combine(work, file)).Replace(from, to, StringComparison.Ordinal));

    /// <summary>The demo project with a recipe that names the GitHub stand-in, which mirrors the git remote.</summary>
    private sealed class Night : IDisposable
    {
        public Night()
        {
            Upstream = new TestUpstream();
            Project = new DemoProject(Upstream);
            GitHub = new FakeGitHub("acme", "demo");
            var recipe = File.ReadAllText(Project.RecipePath);
            File.WriteAllText(Project.RecipePath, recipe.Replace("upstream:\n", "upstream:\n  github: acme/demo\n  track: v1.*\n", StringComparison.Ordinal));
        }

        public TestUpstream Upstream { get; }

        public DemoProject Project { get; }

        public FakeGitHub GitHub { get; }

        public Task<NightlyReport> RunAsync(params string[] extra)
        {
            MirrorTags();
            var settings = Project.Settings([$"--github-api-url={GitHub.Url}", .. extra]);

            return new NightlyRunner(settings, new CollectingLog(), new DemoProject.SilentProgress(), CancellationToken.None).RunAsync();
        }

        public void Dispose()
        {
            GitHub.Dispose();
            Project.Dispose();
            Upstream.Dispose();
        }

        /// <summary>Every tag of the remote and every file at it, as GitHub would serve them.</summary>
        public void MirrorTags()
        {
            GitHub.Tags.Clear();
            foreach (var tag in Shell.Git(Upstream.Repository, "tag").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                GitHub.Tags.Add((tag, Upstream.CommitOf(tag)));
                foreach (var file in Shell.Git(Upstream.Repository, "ls-tree", "-r", "--name-only", tag).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    GitHub.Files[(tag, file)] = Shell.Git(Upstream.Repository, "show", $"{tag}:{file}");
                }
            }
        }
    }
}
