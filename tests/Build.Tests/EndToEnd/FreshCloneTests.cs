using System.Runtime.InteropServices;
using System.Text.Json;
using SnapBuild.Common;
using SnapBuild.Tests.Support;
using SnapBuild.Tests.Upstream;

namespace SnapBuild.Tests.EndToEnd;

/// <summary>
/// <c>./build.sh --target=Snap</c> as a maintainer runs it: in a fresh clone of this repository,
/// against the tests' upstream served over smart HTTP through <c>--upstream-url</c>. The host that
/// build.sh compiles there (Native AOT on x86-64 and arm64) then runs the targets whose code
/// depends on what the trimmer keeps: Octokit's reflection-based JSON and the release's records.
/// </summary>
[NonParallelizable]
public class FreshCloneTests
{
    private TestUpstream upstream = null!;
    private GitHttpServer server = null!;
    private DemoProject project = null!;
    private TempDirectory clone = null!;
    private string repo = null!;
    private string[] arguments = null!;
    private ProcessResult first = null!;
    private ProcessResult second = null!;

    private string NativeHost => Path.Combine(repo, ".host", "bin", "Build");

    [OneTimeSetUp]
    public void CloneAndRunTwice()
    {
        upstream = new TestUpstream();
        server = new GitHttpServer(Path.GetDirectoryName(upstream.Repository)!);
        project = new DemoProject(upstream, "    - git: http://127.0.0.1:9/unreachable.git\n");
        clone = new TempDirectory("clone");
        Shell.Git(clone.Path, "clone", "-q", Fixtures.RepositoryRoot, "repo");
        repo = clone.Combine("repo");
        arguments = project.Arguments("--target=Snap", $"--upstream-url={server.UrlOf("upstream.git")}");

        first = Run(Path.Combine(repo, "build.sh"), arguments);
        second = Run(Path.Combine(repo, "build.sh"), arguments);
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        clone.Dispose();
        project.Dispose();
        server.Dispose();
        upstream.Dispose();
    }

    [Test]
    public void Should_do_the_whole_job_from_a_fresh_clone_and_nothing_on_a_rerun()
    {
        var part = Path.Combine(project.ArtifactsDirectory, "snapcraft", "demo.yaml");
        var binary = Path.Combine(project.WorkDirectory, "demo", "stage", "amd64", "usr", "bin", "cleaner");
        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.Zero, first.CombinedTail(40));
            Assert.That(first.StandardError, Does.Contain("Building the build host"));
            Assert.That(first.StandardOutput, Does.Contain($"served by git {server.UrlOf("upstream.git")}"));
            Assert.That(first.StandardOutput, Does.Match(@"Snap\s+[\d:.]+\s+Succeeded"));
            Assert.That(File.Exists(part), Is.True);
            Assert.That(Shell.Run(repo, binary), Does.Contain("(patched)"));

            Assert.That(second.ExitCode, Is.Zero, second.CombinedTail(40));
            Assert.That(second.StandardError, Does.Not.Contain("Building the build host"), "the host is reused");
            Assert.That(second.StandardOutput, Does.Contain("Patch: nothing changed"));
            Assert.That(second.StandardOutput, Does.Contain("Build amd64: up to date"));
            Assert.That(second.StandardOutput, Does.Contain("is up to date"));
        });
    }

    [Test]
    public void Should_compile_the_host_natively_on_x64_and_arm64()
    {
        if (RuntimeInformation.OSArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            Assert.Ignore("Native AOT is built only on x86-64 and arm64; this machine gets ReadyToRun.");
        }

        var log = File.ReadAllText(Path.Combine(repo, ".host.log"));
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(NativeHost), Is.True);
            Assert.That(File.Exists(Path.Combine(repo, ".host", "bin", "Build.dll")), Is.False,
                "a native host has no IL beside it\n" + log);
            Assert.That(File.ReadAllBytes(NativeHost).AsSpan(0, 4).ToArray(), Is.EqualTo("\u007fELF"u8.ToArray()));
        });
    }

    [TestCase("needed", 0)]
    [TestCase("merged", 3)]
    [TestCase("conflicts", 4)]
    public void Should_check_upstream_through_the_native_host(string situation, int exitCode)
    {
        // A pull request, an issue and a comparison, so each kind of GitHub answer is read.
        using var scenario = new UpstreamScenario(
            "Forwarded: https://github.com/acme/demo/pull/42\nBug: https://github.com/acme/demo/issues/7\n");
        scenario.WriteSeries("0001-priority-optional.patch\n");
        scenario.GitHub.Issues[7] = ("closed", "completed");
        scenario.GitHub.Pulls[42] = situation == "merged" ? ("closed", UpstreamScenario.MergeCommit) : ("open", null);
        scenario.GitHub.Comparisons[(UpstreamScenario.MergeCommit, UpstreamScenario.Newest)] = "ahead";
        scenario.GitHub.Files[(UpstreamScenario.Newest, "src/main.c")] =
            situation == "conflicts" ? UpstreamScenario.Rewritten : UpstreamScenario.Original;
        string[] check =
        [
            "--target=UpstreamCheck", $"--recipe={scenario.RecipePath}", $"--work-dir={scenario.Root}/work",
            $"--cache-dir={scenario.CacheDirectory}", $"--artifacts-dir={scenario.ArtifactsDirectory}",
            $"--github-api-url={scenario.GitHub.Url}",
        ];

        var result = Run(NativeHost, check);
        var again = Run(NativeHost, check);

        var json = JsonDocument.Parse(
            File.ReadAllText(Path.Combine(scenario.ArtifactsDirectory, "upstream-check.json")));
        var patch = json.RootElement.GetProperty("patches")[0];
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.CombinedTail(30));
            Assert.That(json.RootElement.GetProperty("exit_code").GetInt32(), Is.EqualTo(exitCode));
            Assert.That(patch.GetProperty("verdict").GetString(),
                Is.EqualTo(situation switch
                {
                    "merged" => "merged_upstream",
                    "conflicts" => "conflicts",
                    _ => "needed",
                }));
            Assert.That(result.StandardOutput, Does.Contain("acme/demo#7"));
            Assert.That(result.StandardOutput, Does.Contain("acme/demo#42"));
            Assert.That(again.ExitCode, Is.EqualTo(exitCode), again.CombinedTail(30));
            Assert.That(again.StandardOutput, Does.Match(@"GitHub: (\d+) requests, \1 answered 304 Not Modified"));
        });
    }

    [Test]
    public void Should_cut_a_release_through_the_native_host()
    {
        // A release is cut from the recipe's own sources, which the lock pins, not from --upstream-url.
        using var releaseProject = new DemoProject(upstream);
        var locked = Run(NativeHost, releaseProject.Arguments("--target=Lock"));
        Assert.That(File.Exists(releaseProject.LockPath), Is.True, locked.CombinedTail(30));
        Shell.Git(releaseProject.Root, "init", "--quiet");
        Shell.Git(releaseProject.Root, "add", "recipes", "patches");
        Shell.Git(releaseProject.Root, "commit", "--quiet", "-m", "The demo project");

        var result = Run(NativeHost, releaseProject.Arguments("--target=Release", "--snap-revision=2"));

        Assert.That(result.ExitCode, Is.Zero, result.CombinedTail(30));
        var release = Path.Combine(releaseProject.ArtifactsDirectory, "release");
        var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(release, "demo_1.0.0+snap2_amd64.tar.gz.json")));
        var provenance = JsonDocument.Parse(File.ReadAllText(Path.Combine(release, "provenance.json")));
        Assert.Multiple(() =>
        {
            Assert.That(record.RootElement.GetProperty("series_sha256").GetString(), Has.Length.EqualTo(64));
            Assert.That(record.RootElement.GetProperty("source_date_epoch").GetInt64(), Is.Positive);
            Assert.That(provenance.RootElement.GetProperty("artifacts")[0].GetProperty("architecture").GetString(),
                Is.EqualTo("amd64"));
        });
    }

    private ProcessResult Run(string program, string[] programArguments) =>
        ProcessRunner.Run(new ProcessSpec(program, programArguments)
        {
            WorkingDirectory = repo,
            Environment = new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["CI"] = "true" },
        });
}
