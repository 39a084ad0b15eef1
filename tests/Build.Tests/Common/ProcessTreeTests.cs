using System.Diagnostics;
using SnapBuild.Common;

namespace SnapBuild.Tests.Common;

public class ProcessTreeTests
{
    [Test]
    public void Should_kill_grandchildren_whose_parents_die_first()
    {
        // Each level waits on the one below, as ninja waits on sh, which waits on a compiler launcher.
        var marker = Marker();
        using var process = Start($"sh -c 'sh -c \"sleep {marker} & sleep {marker} & wait\" & wait'");
        Assert.That(WaitFor(() => Count(marker) == 2), Is.True, "the tree started");

        ProcessTree.Kill(process);

        Assert.Multiple(() =>
        {
            Assert.That(WaitFor(() => Count(marker) == 0), Is.True, $"{Count(marker)} sleeps are left");
            Assert.That(process.WaitForExit(5000), Is.True);
        });
    }

    [Test]
    public void Should_kill_a_tree_that_keeps_starting_processes_while_it_is_killed()
    {
        var marker = Marker();
        using var process = Start($"while :; do sh -c 'sleep {marker}' & sleep 0.002; done");
        Assert.That(WaitFor(() => Count(marker) > 20), Is.True, "the tree grew");

        ProcessTree.Kill(process);

        Assert.That(WaitFor(() => Count(marker) == 0), Is.True, $"{Count(marker)} sleeps are left");
    }

    [Test]
    public void Should_find_every_process_of_a_tree_in_proc()
    {
        var marker = Marker();
        using var process = Start($"sh -c 'sleep {marker}' & sleep {marker} & wait");
        Assert.That(WaitFor(() => Count(marker) == 2), Is.True, "the tree started");

        var tree = ProcessTree.Tree(process.Id);
        ProcessTree.Kill(process);

        // The outer shell, the inner shell and two sleeps (dash may exec the inner sleep in place).
        Assert.That(tree, Has.Count.InRange(3, 4).And.Contains(process.Id));
    }

    [Test]
    public void Should_leave_an_exited_process_alone()
    {
        using var process = Start("true");
        process.WaitForExit();

        Assert.DoesNotThrow(() => ProcessTree.Kill(process));
    }

    private static string Marker() => $"{Random.Shared.Next(1000, 9999)}.{Environment.ProcessId}";

    private static Process Start(string script) =>
        Process.Start(new ProcessStartInfo("sh", ["-c", script]) { UseShellExecute = false })!;

    private static int Count(string marker) =>
        ProcessRunner.Run(new ProcessSpec("pgrep", ["-f", $"^sleep {marker}"])).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private static bool WaitFor(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return condition();
    }
}
