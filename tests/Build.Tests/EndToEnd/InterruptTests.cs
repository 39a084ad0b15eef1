using System.Diagnostics;
using SnapBuild.Common;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.EndToEnd;

/// <summary>Ctrl-C during a build: the host stops, and so does every process it started.</summary>
public class InterruptTests
{
    [Test]
    public void Should_stop_the_compilers_it_started_when_interrupted_during_a_build()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var marker = $"{Random.Shared.Next(100, 999)}.{Environment.ProcessId}";
        var launcher = Path.Combine(project.Root, "slow-compiler");
        File.WriteAllText(launcher, $"#!/bin/sh\nsleep {marker}\nexec \"$@\"\n");
        Shell.Run(project.Root, "chmod", "+x", launcher);
        project.WriteRecipe($"    - git: {upstream.Url}\n", build: DemoProject.DefaultOptions.Replace(
            "    CMAKE_BUILD_TYPE: Release",
            $"    CMAKE_BUILD_TYPE: Release\n    CMAKE_CXX_COMPILER_LAUNCHER: {launcher}",
            StringComparison.Ordinal));
        // As a terminal starts it: with SIGINT at its default disposition. `dotnet test` may hand its
        // children SIGINT ignored, and a program started with SIGINT ignored rightly keeps ignoring it.
        var info = new ProcessStartInfo("env", ["--default-signal=INT", HostRun.Program])
        {
            WorkingDirectory = project.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in project.Arguments("--target=Build"))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["CI"] = "true";
        using var host = Process.Start(info)!;
        var output = host.StandardOutput.ReadToEndAsync();
        var errors = host.StandardError.ReadToEndAsync();

        var started = WaitFor(() => Sleepers(marker) > 0, TimeSpan.FromSeconds(60));
        ProcessRunner.Run(new ProcessSpec("kill", ["-INT", host.Id.ToString()]));
        var exited = host.WaitForExit(TimeSpan.FromSeconds(20));
        var orphans = WaitFor(() => Sleepers(marker) == 0, TimeSpan.FromSeconds(5)) ? 0 : Sleepers(marker);
        if (!exited)
        {
            host.Kill(entireProcessTree: true);
        }

        Assert.Multiple(() =>
        {
            Assert.That(started, Is.True, "a compile was running when Ctrl-C came");
            Assert.That(exited, Is.True, "the host stops within 20 s");
            Assert.That(orphans, Is.Zero, "no compiler process is left running");
            Assert.That(host.ExitCode, Is.EqualTo(130), output.Result + errors.Result);
            Assert.That(output.Result, Does.Contain("SIGINT received: stopping the running command and its children"));
            Assert.That(output.Result, Does.Match(@"Build\s+[\d:.]+\s+Failed"));
        });
    }

    private static int Sleepers(string marker) =>
        ProcessRunner.Run(new ProcessSpec("pgrep", ["-f", $"sleep {marker}"])).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(100);
        }

        return condition();
    }
}
