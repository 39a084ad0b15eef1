using System.Diagnostics;
using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Toolchains;

namespace SnapBuild.Verify;

/// <summary>The two filters a snap's confinement has used for <c>setpriority</c>.</summary>
public enum SeccompFilter
{
    /// <summary>The process is killed with SIGSYS, as snapd up to 2.31 did.</summary>
    Kill,

    /// <summary>The call fails with EPERM, as snapd does since 2.32.</summary>
    Eperm,
}

/// <summary>How one build fared under one filter.</summary>
public sealed record VerifyOutcome(string Build, SeccompFilter Filter, bool Survived, int? Signal, string Detail, TimeSpan Elapsed)
{
    public const int Sigsys = 31;

    public bool KilledBySigsys => Signal == Sigsys;
}

/// <summary>
/// Runs a staged tree's verify commands under a seccomp filter: the setup without a filter, the
/// start command under the launcher, then (for a server) the readiness wait, the check query and
/// a clean shutdown. A process that ends by a signal, a failed check or a time-out is a death.
/// </summary>
public sealed class SeccompVerifier
{
    private readonly string launcher;
    private readonly IBuildLog log;
    private readonly Architecture architecture;

    /// <param name="architecture">
    /// Whose programs the stage holds; a foreign one runs under qemu-user, which passes the
    /// guest's <c>setpriority</c> on to the host, so the host's filter applies to it.
    /// </param>
    public SeccompVerifier(string launcher, IBuildLog log, Architecture architecture)
    {
        this.launcher = launcher;
        this.log = log;
        this.architecture = architecture;
    }

    public VerifyOutcome Run(string buildName, string stage, VerifySpec spec, SeccompFilter filter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var run = Directory.CreateTempSubdirectory("snap-verify-").FullName;
        try
        {
            var data = Path.Combine(run, "data");
            string Expand(string argument) => argument
                .Replace("{stage}", stage, StringComparison.Ordinal)
                .Replace("{data}", data, StringComparison.Ordinal)
                .Replace("{run}", run, StringComparison.Ordinal);
            List<string> Command(IReadOnlyList<string> argv)
            {
                var expanded = argv.Select(Expand).ToList();

                return expanded[0].StartsWith(stage, StringComparison.Ordinal) ? Emulation.Wrap(architecture, expanded) : expanded;
            }

            if (spec.Setup.Count > 0)
            {
                var setup = ProcessRunner.Run(Spec(Command(spec.Setup)), cancellationToken);
                if (setup.ExitCode != 0)
                {
                    throw new BuildException(
                        $"The verify setup `{string.Join(' ', spec.Setup.Select(Expand))}` for the {buildName} build failed "
                        + $"with exit code {setup.ExitCode}: {setup.CombinedTail(5)}");
                }
            }

            var mode = filter == SeccompFilter.Kill ? "kill" : "eperm";
            var start = new List<string> { launcher, mode };
            start.AddRange(Command(spec.Start));
            log.Verbose($"  $ {string.Join(' ', start)}");
            using var server = StartProcess(start, run);
            var timeout = TimeSpan.FromSeconds(spec.TimeoutSeconds);

            if (spec.Ready is null)
            {
                var exited = server.WaitForExit(timeout);
                if (!exited)
                {
                    Kill(server);

                    return Outcome(false, null, $"still running after {spec.TimeoutSeconds} s");
                }

                return server.ExitCode == 0
                    ? Outcome(true, null, "ran to completion")
                    : Outcome(false, SignalOf(server.ExitCode), Describe(server.ExitCode));
            }

            var ready = Expand(spec.Ready);
            while (!File.Exists(ready) && !server.HasExited && clock.Elapsed < timeout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Thread.Sleep(200);
            }

            if (server.HasExited)
            {
                return Outcome(false, SignalOf(server.ExitCode), Describe(server.ExitCode) + " before it was ready");
            }

            if (!File.Exists(ready))
            {
                Kill(server);

                return Outcome(false, null, $"not ready ({ready}) after {spec.TimeoutSeconds} s");
            }

            var detail = "started";
            if (spec.Check.Count > 0)
            {
                var check = ProcessRunner.Run(Spec(Command(spec.Check)), cancellationToken);
                var answer = check.StandardOutput.Trim().Split('\n').LastOrDefault()?.Trim() ?? string.Empty;
                if (check.ExitCode != 0 || (spec.Expect is not null && !check.StandardOutput.Contains(spec.Expect, StringComparison.Ordinal)))
                {
                    Kill(server);

                    return Outcome(false, null, $"the check answered {check.ExitCode}: {check.CombinedTail(3)}");
                }

                detail = $"answered '{answer}'";
            }

            ProcessRunner.Run(Spec(Command(spec.Stop)), cancellationToken);
            if (!server.WaitForExit(timeout))
            {
                Kill(server);

                return Outcome(false, null, detail + $", but did not shut down within {spec.TimeoutSeconds} s");
            }

            return server.ExitCode == 0
                ? Outcome(true, null, detail + ", shut down cleanly")
                : Outcome(false, SignalOf(server.ExitCode), detail + ", then " + Describe(server.ExitCode));
        }
        finally
        {
            TryDelete(run);
        }

        VerifyOutcome Outcome(bool survived, int? signal, string detail) =>
            new(buildName, filter, survived, signal, detail, clock.Elapsed);
    }

    private static ProcessSpec Spec(List<string> argv) => new(argv[0], argv.Skip(1).ToList());

    private static Process StartProcess(List<string> argv, string directory)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in argv.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new BuildException($"Could not start {argv[0]}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        return process;
    }

    /// <summary>.NET reports a process ended by signal N as exit code 128 + N.</summary>
    private static int? SignalOf(int exitCode) => exitCode > 128 && exitCode < 160 ? exitCode - 128 : null;

    private static string Describe(int exitCode) =>
        SignalOf(exitCode) is { } signal
            ? signal == VerifyOutcome.Sigsys ? "killed by SIGSYS" : $"killed by signal {signal}"
            : $"exited with {exitCode}";

    private static void Kill(Process process)
    {
        ProcessTree.Kill(process);
        try
        {
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A server that did not stop may still hold files; the system's temp cleanup takes them.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }
}
