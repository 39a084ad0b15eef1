using SnapBuild.Common;
using SnapBuild.Toolchains;

namespace SnapBuild.Verify;

/// <summary>
/// Builds the small launcher that installs a seccomp filter forbidding <c>setpriority</c> and
/// then executes a command (its C source ships inside this program), with libseccomp.
/// </summary>
public static class SeccompLauncher
{
    public static readonly IReadOnlyList<string> Packages = ["gcc", "libseccomp-dev"];

    /// <summary>Compiles the launcher into <paramref name="directory"/> unless it is there already; returns its path.</summary>
    public static string Build(string directory, IBuildLog log, CancellationToken cancellationToken)
    {
        new Prerequisites(log).Ensure("the seccomp launcher", Packages, cancellationToken);
        using var stream = typeof(SeccompLauncher).Assembly.GetManifestResourceStream("seccomp-run.c")
            ?? throw new InvalidOperationException("The launcher's source is not embedded in the build host.");
        using var reader = new StreamReader(stream);
        var code = reader.ReadToEnd();
        var hash = Hashing.Sha256OfText(code)[..12];
        var program = Path.Combine(directory, $"seccomp-run-{hash}");
        if (File.Exists(program))
        {
            return program;
        }

        Directory.CreateDirectory(directory);
        var source = Path.Combine(directory, "seccomp-run.c");
        AtomicFile.WriteAllText(source, code);
        Leftovers.RemoveDead(directory, Path.GetFileName(program) + ".", ".tmp");
        var partial = program + $".{Environment.ProcessId}.tmp";
        ProcessRunner.RunChecked(new ProcessSpec("cc", ["-O2", "-Wall", "-o", partial, source, "-lseccomp"]), cancellationToken);
        File.Move(partial, program, overwrite: true);
        log.Information($"  built the seccomp launcher {program}");

        return program;
    }
}
