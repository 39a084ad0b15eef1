using SnapBuild.Common;

namespace SnapBuild.Toolchains;

/// <summary>
/// The compilers and tools one architecture's build uses, found on this machine. The amd64
/// toolchain is the host's own; cross toolchains come with their own architecture table.
/// </summary>
public sealed record Toolchain(string Architecture, string CCompiler, string CxxCompiler, string? Launcher)
{
    /// <summary>A short identity for stage records: compiler versions and the launcher.</summary>
    public required string Identity { get; init; }

    /// <summary>Finds the native toolchain, or says which package to install.</summary>
    public static Toolchain Native(string architecture, IBuildLog log)
    {
        foreach (var tool in new[] { ("cmake", "cmake"), ("ninja", "ninja-build"), ("c++", "g++"), ("cc", "gcc") })
        {
            if (Which(tool.Item1) is null)
            {
                throw new BuildException(
                    $"The build needs `{tool.Item1}`, which is not on PATH; install it with `sudo apt-get install {tool.Item2}`.");
            }
        }

        var launcher = Which("ccache");
        if (launcher is null)
        {
            log.Information("  ccache is not installed, so compiles are not cached (apt-get install ccache).");
        }

        var version = ProcessRunner.RunChecked(new ProcessSpec("c++", ["--version"])).StandardOutput.Split('\n')[0];
        var cmake = ProcessRunner.RunChecked(new ProcessSpec("cmake", ["--version"])).StandardOutput.Split('\n')[0];

        return new Toolchain(architecture, Which("cc")!, Which("c++")!, launcher)
        {
            Identity = $"{version}; {cmake}; launcher {(launcher is null ? "none" : "ccache")}",
        };
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Which(string program)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
        {
            var candidate = Path.Combine(directory, program);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
