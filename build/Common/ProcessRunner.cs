using System.Diagnostics;
using System.Text;

namespace SnapBuild.Common;

/// <summary>The outcome of a finished process.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string CombinedTail(int lines)
    {
        var all = (StandardOutput + "\n" + StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

        return string.Join('\n', all.TakeLast(lines));
    }
}

/// <summary>How to start a process: the program, its arguments, where and with what environment.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string?> Environment { get; init; } =
        new Dictionary<string, string?>();

    /// <summary>Called with each line of standard output and standard error as it arrives.</summary>
    public Action<string>? OnLine { get; init; }

    public string CommandLine => string.Join(' ', new[] { FileName }.Concat(Arguments.Select(Quote)));

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./=:+,@%".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>
/// Runs external commands (git, cmake, ninja, apt-get) and turns a missing program or a non-zero
/// exit into a <see cref="BuildException"/> that names the command and its exit code.
/// </summary>
public static class ProcessRunner
{
    public static ProcessResult Run(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in spec.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(info)
                ?? throw new BuildException($"Could not start `{spec.CommandLine}`.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new BuildException(
                $"Could not run `{spec.FileName}`: {exception.Message}; install it or put it on PATH.",
                exception);
        }

        using (process)
        {
            process.StandardInput.Close();
            var output = new StringBuilder();
            var error = new StringBuilder();
            var gate = new Lock();
            process.OutputDataReceived += (_, e) => Collect(e.Data, output);
            process.ErrorDataReceived += (_, e) => Collect(e.Data, error);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using (cancellationToken.Register(() => ProcessTree.Kill(process)))
            {
                process.WaitForExit();
            }

            cancellationToken.ThrowIfCancellationRequested();

            return new ProcessResult(process.ExitCode, output.ToString(), error.ToString());

            void Collect(string? line, StringBuilder sink)
            {
                if (line is null)
                {
                    return;
                }

                lock (gate)
                {
                    sink.Append(line).Append('\n');
                    spec.OnLine?.Invoke(line);
                }
            }
        }
    }

    /// <summary>Runs the command and throws when it exits with anything but zero.</summary>
    public static ProcessResult RunChecked(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        var result = Run(spec, cancellationToken);
        if (result.ExitCode != 0)
        {
            var tail = result.CombinedTail(20);
            throw new BuildException(
                $"`{spec.CommandLine}` failed with exit code {result.ExitCode}"
                + (tail.Length > 0 ? $":\n{tail}" : "."));
        }

        return result;
    }
}
