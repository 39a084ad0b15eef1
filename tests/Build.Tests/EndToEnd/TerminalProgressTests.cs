using SnapBuild.Common;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.EndToEnd;

/// <summary>The build's progress as a person at a terminal sees it: the host runs under a pseudo-terminal.</summary>
public class TerminalProgressTests
{
    [Test]
    public void Should_draw_a_live_progress_bar_with_steps_and_time_left_at_a_terminal()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var command = string.Join(' ', new[] { HostRun.Program }.Concat(project.Arguments("--target=Build", "--jobs=1"))
            .Select(a => "'" + a + "'"));

        // script(1) gives the host a pseudo-terminal, so its output is not redirected.
        var result = ProcessRunner.Run(new ProcessSpec("script", ["-q", "-e", "-c", command, "/dev/null"])
        {
            WorkingDirectory = project.Root,
            Environment = new Dictionary<string, string?> { ["CI"] = null, ["TERM"] = "xterm-256color", ["NO_COLOR"] = "1" },
        });

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.CombinedTail(30));
            Assert.That(result.StandardOutput, Does.Match(@"  \[[█░]{30}\] \d+/\d+ steps, [\d.]+s elapsed, about [\d.]+s left"));
            Assert.That(result.StandardOutput, Does.Contain("left"), "an estimate once a step is done");
        });
    }
}
