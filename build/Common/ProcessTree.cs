using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SnapBuild.Common;

/// <summary>
/// Kills a process with everything it started, on Linux by freezing the whole tree before
/// killing any of it.
/// </summary>
/// <remarks>
/// <see cref="Process.Kill(bool)"/> counts a process as a child only when it started in a later
/// clock tick than its parent (<c>/proc</c> gives start times in 10 ms ticks), so the compiler
/// launcher that ninja's <c>sh -c</c> forks at once is never found, and it kills each process as
/// it walks down, so a child whose parent is already dead has been handed to init by then. Ninja
/// puts every command in a process group of its own, so killing a group does not reach them
/// either. Here every process of the tree is sent SIGSTOP first, <c>/proc</c> is read again until
/// no new one turns up and all of them are stopped, and only then is every one sent SIGKILL. A
/// stopped process cannot fork, and none is orphaned before the last one has been found.
/// </remarks>
public static class ProcessTree
{
    private const int SignalKill = 9;
    private const int SignalStop = 19;

    /// <summary>Kills <paramref name="process"/> and its descendants; an exited process is left alone.</summary>
    public static void Kill(Process process)
    {
        if (!OperatingSystem.IsLinux())
        {
            KillWithRuntime(process);
            return;
        }

        int root;
        try
        {
            if (process.HasExited)
            {
                return;
            }

            root = process.Id;
        }
        catch (InvalidOperationException)
        {
            return;
        }

        foreach (var pid in Freeze(root))
        {
            _ = kill(pid, SignalKill);
        }
    }

    /// <summary>
    /// Stops <paramref name="root"/> and every process under it, reading the tree again until it
    /// stops growing and each one is stopped (or gone); returns the processes it stopped.
    /// </summary>
    internal static IReadOnlyCollection<int> Freeze(int root)
    {
        var stopped = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var tree = Tree(root);
            var fresh = tree.Where(stopped.Add).ToList();
            foreach (var pid in fresh)
            {
                _ = kill(pid, SignalStop);
            }

            // Bounded: a tree that keeps growing for a second is killed as far as it was found.
            if ((fresh.Count == 0 && tree.All(IsStopped)) || clock.Elapsed > TimeSpan.FromSeconds(1))
            {
                return stopped;
            }

            if (fresh.Count == 0)
            {
                Thread.Sleep(1);
            }
        }
    }

    /// <summary><paramref name="root"/> and its descendants as <c>/proc</c> shows them now.</summary>
    internal static List<int> Tree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } stat)
            {
                if (!children.TryGetValue(stat.Parent, out var list))
                {
                    children[stat.Parent] = list = [];
                }

                list.Add(pid);
            }
        }

        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            if (children.TryGetValue(tree[i], out var list))
            {
                tree.AddRange(list.Where(p => !tree.Contains(p)));
            }
        }

        return tree;
    }

    private static bool IsStopped(int pid) => Stat(pid) is not { } stat || stat.State is 'T' or 't' or 'Z' or 'X';

    /// <summary>The state and parent from <c>/proc/PID/stat</c>, or null once the process is gone.</summary>
    private static (char State, int Parent)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ...": the command name may hold spaces and parentheses itself.
        var close = text.LastIndexOf(')');
        var fields = close < 0 ? [] : text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent))
        {
            return null;
        }

        return (fields[0][0], parent);
    }

    private static void KillWithRuntime(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int kill(int pid, int signal);
}
