using System.Diagnostics;
using SnapBuild.Common;
using SnapBuild.Tests.Support;
using SnapBuild.Toolchains;

namespace SnapBuild.Tests.Faults;

/// <summary>
/// <c>kill -9</c> of the host in the middle of a stage, then a plain rerun: it must finish and
/// give what an undisturbed run gives (the same patched commit, the same staged files, the same
/// part). The moment is chosen by a wrapper on PATH that marks the step and then holds it.
/// </summary>
[NonParallelizable]
public class KillTests
{
    private TestUpstream upstream = null!;
    private Outcome reference = null!;

    [OneTimeSetUp]
    public void UndisturbedRun()
    {
        upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var run = HostRun.Run(project.Root, project.Arguments("--target=Snap"));
        Assert.That(run.ExitCode, Is.Zero, run.CombinedTail(30));
        reference = Outcome.Of(project);
    }

    [OneTimeTearDown]
    public void CleanUp() => upstream.Dispose();

    [TestCase("clone", "fetch", Description = "git has fetched the tag; the host dies before it records the clone")]
    [TestCase("patch-checkout", "checkout", Description = "the patched commits are being checked out")]
    [TestCase("patch", "apply", Description = "a patch has gone into the private index; nothing is committed yet")]
    [TestCase("patch-commit", "commit-tree", Description = "a patch commit is being written")]
    [TestCase("build", null, Description = "a compiler is running")]
    public void Should_finish_with_the_undisturbed_result_after_kill_9_during(string moment, string? gitStep)
    {
        using var project = new DemoProject(upstream);
        var marker = Path.Combine(project.Root, "reached");
        var hold = $"{Random.Shared.Next(100, 999)}.{Environment.ProcessId}{Random.Shared.Next(10, 99)}";
        var environment = new Dictionary<string, string?>();
        if (gitStep is null)
        {
            var launcher = project.Root + "/slow-compiler";
            File.WriteAllText(launcher, $"#!/bin/sh\ntouch '{marker}'\nsleep {hold}\nexec \"$@\"\n");
            Shell.Run(project.Root, "chmod", "+x", launcher);
            project.WriteRecipe($"    - git: {upstream.Url}\n", build: DemoProject.DefaultOptions.Replace(
                "    CMAKE_BUILD_TYPE: Release",
                $"    CMAKE_BUILD_TYPE: Release\n    CMAKE_CXX_COMPILER_LAUNCHER: {launcher}",
                StringComparison.Ordinal));
        }
        else
        {
            environment["PATH"] = HoldingGit(project.Root, gitStep, marker, hold) + ":" + Environment.GetEnvironmentVariable("PATH");
        }

        var killed = RunAndKill(project, environment, marker, hold);
        if (gitStep is null)
        {
            project.WriteRecipe($"    - git: {upstream.Url}\n");
        }

        var rerun = HostRun.Run(project.Root, project.Arguments("--target=Snap"));

        var outcome = Outcome.Of(project);
        Assert.Multiple(() =>
        {
            Assert.That(killed, Is.True, $"the host was killed during {moment}");
            Assert.That(rerun.ExitCode, Is.Zero, rerun.CombinedTail(40));
            Assert.That(outcome.Patched, Is.EqualTo(reference.Patched), "the same patched commit");
            Assert.That(outcome.Staged, Is.EqualTo(reference.Staged), "the same staged files");
            Assert.That(outcome.Part, Is.EqualTo(reference.Part), "the same part");
            Assert.That(outcome.Runs, Does.Contain("(patched)"));
        });
    }

    /// <summary>A <c>git</c> that, for one subcommand, runs it, marks the moment and then holds.</summary>
    private static string HoldingGit(string root, string step, string marker, string hold)
    {
        var bin = Path.Combine(root, "fault-bin");
        Directory.CreateDirectory(bin);
        var git = Toolchain.Which("git")!;
        File.WriteAllText(Path.Combine(bin, "git"), $$"""
            #!/bin/sh
            for argument in "$@"; do
              if [ "$argument" = "{{step}}" ]; then
                "{{git}}" "$@"
                status=$?
                touch '{{marker}}'
                sleep {{hold}}
                exit $status
              fi
            done
            exec "{{git}}" "$@"

            """);
        Shell.Run(bin, "chmod", "+x", "git");

        return bin;
    }

    /// <returns>Whether the moment came and the host was killed in it.</returns>
    private static bool RunAndKill(DemoProject project, Dictionary<string, string?> environment, string marker, string hold)
    {
        var info = new ProcessStartInfo(HostRun.Program)
        {
            WorkingDirectory = project.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in project.Arguments("--target=Snap"))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["CI"] = "true";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var host = Process.Start(info)!;
        _ = host.StandardOutput.ReadToEndAsync();
        _ = host.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(marker) && !host.HasExited && clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            Thread.Sleep(50);
        }

        var reached = File.Exists(marker) && !host.HasExited;
        ProcessRunner.Run(new ProcessSpec("kill", ["-KILL", host.Id.ToString()]));
        host.WaitForExit(10_000);

        // What the dead host started is still holding; a killed machine would have lost it too.
        ProcessRunner.Run(new ProcessSpec("pkill", ["-KILL", "-f", $"sleep {hold}"]));
        Thread.Sleep(200);

        return reached;
    }

    private sealed record Outcome(string Patched, string Staged, string Part, string Runs)
    {
        public static Outcome Of(DemoProject project)
        {
            var stage = Path.Combine(project.WorkDirectory, "demo", "stage", "amd64");
            var staged = Directory.Exists(stage)
                ? string.Join('\n', Directory.EnumerateFiles(stage, "*", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(stage, f))
                    .Order(StringComparer.Ordinal))
                : "(nothing staged)";
            var part = Path.Combine(project.ArtifactsDirectory, "snapcraft", "demo.yaml");
            var binary = Path.Combine(stage, "usr", "bin", "cleaner");

            return new Outcome(
                Shell.Git(project.Source, "rev-parse", "HEAD").Trim(),
                staged,
                File.Exists(part) ? File.ReadAllText(part) : "(no part)",
                File.Exists(binary) ? ProcessRunner.Run(new ProcessSpec(binary, [])).StandardOutput : "(no program)");
        }
    }
}
