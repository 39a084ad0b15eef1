using System.Diagnostics;
using SnapBuild.Common;
using SnapBuild.Stages;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Stages;

public class WorkDirectoryLockTests
{
    [Test]
    public void Should_take_over_a_lock_whose_holder_was_killed()
    {
        using var work = new TempDirectory();
        var lockFile = work.Combine(".lock");
        File.WriteAllText(lockFile, string.Empty);
        File.WriteAllText(work.Combine(".lock.owner"), "999999 elsewhere 2026-01-01\n");
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-x", lockFile, "sleep", "60"]))!;
        Thread.Sleep(300);

        var whileHeld = Assert.Throws<BuildException>(() => WorkDirectoryLock.Acquire(work.Path, TimeSpan.Zero, new CollectingLog()));
        holder.Kill(entireProcessTree: true);
        holder.WaitForExit();
        using var taken = WorkDirectoryLock.Acquire(work.Path, TimeSpan.FromSeconds(5), new CollectingLog());

        Assert.Multiple(() =>
        {
            Assert.That(whileHeld!.Message, Does.Contain("in use by another run (process 999999"));
            Assert.That(File.ReadAllText(work.Combine(".lock.owner")), Does.StartWith($"{Environment.ProcessId} "));
        });
    }

    [Test]
    public void Should_wait_for_the_holder_when_asked_to()
    {
        using var work = new TempDirectory();
        var log = new CollectingLog();
        var first = WorkDirectoryLock.Acquire(work.Path, TimeSpan.Zero, log);
        var release = Task.Run(async () =>
        {
            await Task.Delay(500);
            first.Dispose();
        });

        using var second = WorkDirectoryLock.Acquire(work.Path, TimeSpan.FromSeconds(10), log);
        release.Wait();

        Assert.That(log.Lines, Has.Some.Contains($"Waiting for the run that holds").And.Contains($"process {Environment.ProcessId}"));
    }
}
