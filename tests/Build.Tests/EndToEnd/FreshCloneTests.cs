using SnapBuild.Common;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.EndToEnd;

/// <summary>
/// <c>./build.sh --target=Snap</c> as a maintainer runs it: in a fresh clone of this repository,
/// against the tests' upstream served over smart HTTP through <c>--upstream-url</c>.
/// </summary>
public class FreshCloneTests
{
    [Test]
    public void Should_do_the_whole_job_from_a_fresh_clone_and_nothing_on_a_rerun()
    {
        using var upstream = new TestUpstream();
        using var server = new GitHttpServer(Path.GetDirectoryName(upstream.Repository)!);
        using var project = new DemoProject(upstream, "    - git: http://127.0.0.1:9/unreachable.git\n");
        using var clone = new TempDirectory("clone");
        Shell.Git(clone.Path, "clone", "-q", Fixtures.RepositoryRoot, "repo");
        var repo = clone.Combine("repo");
        var arguments = project.Arguments("--target=Snap", $"--upstream-url={server.UrlOf("upstream.git")}");

        var first = Run(repo, arguments);
        var second = Run(repo, arguments);

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

    private static ProcessResult Run(string repo, string[] arguments) =>
        ProcessRunner.Run(new ProcessSpec(Path.Combine(repo, "build.sh"), arguments)
        {
            WorkingDirectory = repo,
            Environment = new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["CI"] = "true" },
        });
}
