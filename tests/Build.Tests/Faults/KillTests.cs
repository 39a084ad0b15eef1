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
    [TestCase("clone-checkout", "--detach", Description = "the upstream commit is being checked out")]
    [TestCase("patch-checkout", "-B", Description = "the patched commits are being checked out")]
    [TestCase("build", null, Description = "a compiler is running")]
    public void Should_finish_with_the_undisturbed_result_after_kill_9_during(string moment, string? gitStep)
    {
        using var project = new DemoProject(upstream);
        var marker = Path.Combine(project.Root, "reached");
        var hold = HoldTime();
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
            environment["PATH"] = Holding(project.Root, "git", gitStep, marker, hold);
        }

        var killed = RunAndKill(project, environment, marker, hold);
        if (gitStep is null)
        {
            project.WriteRecipe($"    - git: {upstream.Url}\n");
        }

        var rerun = HostRun.Run(project.Root, project.Arguments("--target=Snap"));

        AssertRecovered(project, reference, moment, killed, rerun);
    }

    /// <summary>
    /// The import reads the tarball once and writes the pack and the files from it in this
    /// process, so the moment is chosen by system call: strace kills the host when it creates one
    /// file of the worktree it unpacks (the pack unfinished, the worktree half unpacked). Or a git wrapper
    /// holds the step that sets HEAD in the unpacked worktree before it is moved into place.
    /// </summary>
    [TestCase("objects", Description = "objects and files are being written")]
    [TestCase("adopt", Description = "the unpacked worktree has its index; HEAD is being set")]
    public void Should_finish_with_the_undisturbed_result_after_kill_9_during_the_tarball_import(string moment)
    {
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("demo-1.0.0.tar.gz");
        upstream.ArchiveFirstTag(tarball);

        // The git source after it is not asked (the tarball serves); the part pulls from it.
        var sources = $"    - tarball: {tarball}\n      sha256: {Hashing.Sha256OfFile(tarball)}\n"
            + $"    - git: {upstream.Url}\n";
        Outcome undisturbed;
        using (var clean = new DemoProject(upstream, sources))
        {
            var run = HostRun.Run(clean.Root, clean.Arguments("--target=Snap"));
            Assert.That(run.ExitCode, Is.Zero, run.CombinedTail(30));
            undisturbed = Outcome.Of(clean);
        }

        using var project = new DemoProject(upstream, sources);
        bool killed;
        if (moment == "objects")
        {
            if (Toolchain.Which("strace") is null)
            {
                Assert.Ignore("strace is not installed; .ci/run installs it.");
            }

            // An empty mirror makes the resolver ask git for the tag's ref first; that step holds
            // the host while strace attaches, to kill it at an open() in the middle of the import.
            var mirror = Path.Combine(project.CacheDirectory, "mirrors", "demo.git");
            Shell.Git(project.Root, "init", "-q", "--bare", mirror);
            (killed, _) = KillAt(project, "rev-parse", "openat", pid => Path.Combine(
                project.WorkDirectory, "demo", $"src.unpacking.{pid}", "demo-1.0.0", "src", "page_cleaner.cpp"));
        }
        else
        {
            var marker = Path.Combine(project.Root, "reached");
            var hold = HoldTime();
            killed = RunAndKill(
                project,
                new Dictionary<string, string?> { ["PATH"] = Holding(project.Root, "git", "--no-deref", marker, hold) },
                marker,
                hold);
        }

        var leftBehind = Unpacking(project);
        var rerun = HostRun.Run(project.Root, project.Arguments("--target=Snap"));

        AssertRecovered(project, undisturbed, $"the import ({moment})", killed, rerun);
        Assert.Multiple(() =>
        {
            Assert.That(leftBehind, Is.Not.Empty, "the killed import left its half-unpacked worktree");
            Assert.That(Unpacking(project), Is.Empty, "the rerun removed it");
            Assert.That(Shell.Git(Path.Combine(project.CacheDirectory, "mirrors", "demo.git"), "fsck", "--no-progress"),
                Does.Not.Contain("error"), "the mirror holds only whole objects");
        });
    }

    /// <summary>
    /// The Patch stage applies the demo series in this process and writes its blobs, trees and
    /// commits into one pack, put in place only once whole. strace kills the host when it opens
    /// that pack (the first object of the first patch) or the pack's index (every commit written,
    /// nothing in place yet); Clone's checkout, the last git step before the stage, holds the host
    /// while strace attaches.
    /// </summary>
    [TestCase("pack", Description = "the series' objects are being written")]
    [TestCase("idx", Description = "the series' pack is whole; its index is being written")]
    public void Should_finish_with_the_undisturbed_result_after_kill_9_while_the_series_is_written(string file)
    {
        if (Toolchain.Which("strace") is null)
        {
            Assert.Ignore("strace is not installed; .ci/run installs it.");
        }

        using var project = new DemoProject(upstream);
        var packs = Path.Combine(project.WorkDirectory, "demo", "src", ".git", "objects", "pack");
        string PackFileOf(int pid) => Path.Combine(packs, $"tmp_snap_build_{pid}.{file}");
        var (killed, _) = KillAt(project, "--detach", "openat", PackFileOf);
        var leftBehind = Directory.GetFiles(packs, "tmp_snap_build_*");
        var rerun = HostRun.Run(project.Root, project.Arguments("--target=Snap"));

        AssertRecovered(project, reference, $"the series' {file} file", killed, rerun);
        Assert.Multiple(() =>
        {
            // Killed at its creation, the pack is not there; killed at the index's, it is, whole.
            Assert.That(leftBehind, file == "idx" ? Is.Not.Empty : Is.Empty, "what the killed run left");
            Assert.That(Directory.GetFiles(packs, "tmp_snap_build_*"), Is.Empty, "the rerun removed it");
            Assert.That(Shell.Git(Path.Combine(project.WorkDirectory, "demo", "src"), "fsck", "--no-progress"),
                Does.Not.Contain("error"), "the worktree holds only whole objects");
        });
    }

    /// <summary>
    /// Starts the host with <paramref name="holdStep"/> of git held, attaches strace, and lets it
    /// go on until it makes the system call <paramref name="call"/> (openat, rename) on the file
    /// <paramref name="pathOf"/> names for its process id, where strace kills it.
    /// </summary>
    /// <returns>Whether the host was killed at that call, and its process id.</returns>
    private static (bool Killed, int ProcessId) KillAt(
        DemoProject project,
        string holdStep,
        string call,
        Func<int, string> pathOf)
    {
        var marker = Path.Combine(project.Root, "reached");
        var hold = HoldTime();
        var path = Holding(project.Root, "git", holdStep, marker, hold);
        using var host = StartHost(project, new Dictionary<string, string?> { ["PATH"] = path });
        Assert.That(WaitFor(marker, host), Is.True, $"the host reached git {holdStep}");
        var log = Path.Combine(project.Root, "strace.log");
        using var tracer = Process.Start(new ProcessStartInfo(Toolchain.Which("strace")!)
        {
            ArgumentList =
            {
                "-f", "-p", host.Id.ToString(), "-e", $"trace={call}", "-P", pathOf(host.Id),
                "-e", $"inject={call}:signal=KILL", "-o", log,
            },
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        if (!WaitUntil(() => IsTraced(host.Id) || tracer.HasExited) || tracer.HasExited)
        {
            Assert.Inconclusive($"strace cannot attach here: {tracer.StandardError.ReadToEnd().Trim()}");
        }

        ProcessRunner.Run(new ProcessSpec("pkill", ["-KILL", "-f", $"sleep {hold}"]));
        var killed = host.WaitForExit(60_000)
            && File.ReadAllText(log).Contains("killed by SIGKILL", StringComparison.Ordinal);
        tracer.WaitForExit(10_000);

        return (killed, host.Id);
    }

    /// <summary>
    /// The host is killed by strace at the very system call that renames the finished temporary
    /// file over the part, after a run with other settings wrote a part there. strace 6.1 matches
    /// a rename by its first path only, and that path carries the host's process id, so strace
    /// attaches to the running host while a git step holds it.
    /// </summary>
    [Test]
    public void Should_keep_the_previous_part_whole_after_kill_9_while_writing_the_part()
    {
        if (Toolchain.Which("strace") is null)
        {
            Assert.Ignore("strace is not installed; .ci/run installs it.");
        }

        using var project = new DemoProject(upstream);
        var earlier = HostRun.Run(project.Root, project.Arguments("--target=Snap", "--base=core22"));
        Assert.That(earlier.ExitCode, Is.Zero, earlier.CombinedTail(30));
        var part = Path.Combine(project.ArtifactsDirectory, "snapcraft", "demo.yaml");
        var previous = File.ReadAllBytes(part);
        Assert.That(previous, Is.Not.EqualTo(System.Text.Encoding.UTF8.GetBytes(reference.Part)),
            "the two runs write different parts");

        var folder = Path.GetDirectoryName(part)!;
        string TemporaryOf(int pid) => Path.Combine(folder, $".demo.yaml.{pid}.tmp");
        var (killed, hostId) = KillAt(project, "update-ref", "rename", TemporaryOf);
        var temporary = TemporaryOf(hostId);
        var afterKill = File.ReadAllBytes(part);
        var leftovers = Directory.GetFiles(folder, ".demo.yaml.*.tmp");
        var rerun = HostRun.Run(project.Root, project.Arguments("--target=Snap"));

        AssertRecovered(project, reference, "the part's rename", killed, rerun);
        Assert.Multiple(() =>
        {
            Assert.That(afterKill, Is.EqualTo(previous), "the part on disk is the previous one, byte for byte");
            Assert.That(leftovers, Is.EqualTo(new[] { temporary }), "the killed run left its whole temporary file");
            Assert.That(Directory.GetFiles(folder, ".demo.yaml.*.tmp"), Is.Empty, "the rerun removed it");
        });
    }

    private static bool IsTraced(int processId)
    {
        var tasks = Directory.GetDirectories($"/proc/{processId}/task");

        return tasks.Length > 0 && tasks.All(task =>
            File.ReadLines(Path.Combine(task, "status"))
                .Any(l => l.StartsWith("TracerPid:", StringComparison.Ordinal) && l.Split(':')[1].Trim() != "0"));
    }

    private static void AssertRecovered(
        DemoProject project,
        Outcome expected,
        string moment,
        bool killed,
        ProcessResult rerun)
    {
        var outcome = Outcome.Of(project);
        Assert.Multiple(() =>
        {
            Assert.That(killed, Is.True, $"the host was killed during {moment}");
            Assert.That(rerun.ExitCode, Is.Zero, rerun.CombinedTail(40));
            Assert.That(outcome.Patched, Is.EqualTo(expected.Patched), "the same patched commit");
            Assert.That(outcome.Staged, Is.EqualTo(expected.Staged), "the same staged files");
            Assert.That(outcome.Part, Is.EqualTo(expected.Part), "the same part");
            Assert.That(outcome.Runs, Does.Contain("(patched)"));
        });
    }

    private static string[] Unpacking(DemoProject project)
    {
        var recipeWork = Path.Combine(project.WorkDirectory, "demo");

        return Directory.Exists(recipeWork) ? Directory.GetDirectories(recipeWork, "src.unpacking.*") : [];
    }

    /// <summary>A sleep length no other process on the machine uses, so only our holds are stopped.</summary>
    private static string HoldTime() =>
        $"{Random.Shared.Next(100, 999)}.{Environment.ProcessId}{Random.Shared.Next(10, 99)}";

    /// <summary>
    /// A folder to put first on PATH with a <paramref name="tool"/> that runs the real one and,
    /// the first time one of its arguments is <paramref name="step"/> (or the first time at all,
    /// for null), marks the moment and then holds.
    /// </summary>
    /// <returns>The PATH to run the host with.</returns>
    private static string Holding(string root, string tool, string? step, string marker, string hold)
    {
        var bin = Path.Combine(root, "fault-bin");
        Directory.CreateDirectory(bin);
        var real = Toolchain.Which(tool)!;
        var matches = step is null ? "true" : $"[ \"$argument\" = \"{step}\" ]";
        File.WriteAllText(Path.Combine(bin, tool), $$"""
            #!/bin/sh
            if [ -e '{{marker}}' ]; then exec "{{real}}" "$@"; fi
            for argument in "$@" ""; do
              if {{matches}}; then
                "{{real}}" "$@"
                status=$?
                touch '{{marker}}'
                sleep {{hold}}
                exit $status
              fi
            done
            exec "{{real}}" "$@"

            """);
        Shell.Run(bin, "chmod", "+x", tool);

        return bin + ":" + Environment.GetEnvironmentVariable("PATH");
    }

    /// <returns>Whether the moment came and the host was killed in it.</returns>
    private static bool RunAndKill(
        DemoProject project,
        Dictionary<string, string?> environment,
        string marker,
        string hold)
    {
        using var host = StartHost(project, environment);
        var reached = WaitFor(marker, host);
        ProcessRunner.Run(new ProcessSpec("kill", ["-KILL", host.Id.ToString()]));
        host.WaitForExit(10_000);

        // What the dead host started is still holding; a killed machine would have lost it too.
        ProcessRunner.Run(new ProcessSpec("pkill", ["-KILL", "-f", $"sleep {hold}"]));
        Thread.Sleep(200);

        return reached;
    }

    private static Process StartHost(DemoProject project, Dictionary<string, string?> environment)
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

        var host = Process.Start(info)!;
        _ = host.StandardOutput.ReadToEndAsync();
        _ = host.StandardError.ReadToEndAsync();

        return host;
    }

    /// <returns>Whether the marker appeared while the host was still running.</returns>
    private static bool WaitFor(string marker, Process host) =>
        WaitUntil(() => File.Exists(marker) || host.HasExited) && File.Exists(marker) && !host.HasExited;

    private static bool WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(90))
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
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
