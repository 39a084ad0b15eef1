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

    /// <summary>The CMake toolchain file of a cross build; null for a native one.</summary>
    public string? ToolchainFile { get; init; }

    /// <summary>
    /// The cross toolchain for a foreign architecture: Debian's <c>&lt;triplet&gt;-gcc</c> and
    /// <c>-g++</c>, and a CMake toolchain file written to <paramref name="directory"/> that names
    /// them, the multiarch library and pkg-config directories, ccache as launcher, and qemu-user
    /// as the emulator for anything the build runs.
    /// </summary>
    public static Toolchain Cross(Architecture architecture, string directory, IBuildLog log)
    {
        var cc = Which($"{architecture.Triplet}-gcc");
        var cxx = Which($"{architecture.Triplet}-g++");
        if (cc is null || cxx is null)
        {
            throw new BuildException(
                $"The {architecture.Name} build needs {architecture.Triplet}-gcc and -g++; install them with "
                + $"`sudo apt-get install {string.Join(' ', architecture.CrossPackages)}`.");
        }

        var launcher = Ccache(log);
        var qemu = Which(architecture.Qemu);
        var file = Path.Combine(directory, $"{architecture.Name}.cmake");
        var text = new System.Text.StringBuilder()
            .Append("# Written by snap-build for the ").Append(architecture.Name).Append(" cross build; do not edit.\n")
            .Append("set(CMAKE_SYSTEM_NAME Linux)\n")
            .Append("set(CMAKE_SYSTEM_PROCESSOR ").Append(architecture.CMakeProcessor).Append(")\n")
            .Append("set(CMAKE_C_COMPILER ").Append(cc).Append(")\n")
            .Append("set(CMAKE_CXX_COMPILER ").Append(cxx).Append(")\n")
            .Append("set(CMAKE_LIBRARY_ARCHITECTURE ").Append(architecture.Multiarch).Append(")\n")
            .Append("set(CMAKE_FIND_ROOT_PATH ").Append(architecture.SysRoot).Append(")\n")
            .Append("set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n")
            .Append("set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)\n")
            .Append("set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)\n")
            .Append("set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)\n")
            .Append("set(ENV{PKG_CONFIG_LIBDIR} \"/usr/lib/").Append(architecture.Multiarch)
            .Append("/pkgconfig:/usr/share/pkgconfig\")\n")
            .Append("set(ENV{PKG_CONFIG_PATH} \"\")\n");
        if (qemu is not null)
        {
            var emulator = architecture.QemuPrefix is { } prefix ? $"{qemu};-L;{prefix}" : qemu;
            text.Append("set(CMAKE_CROSSCOMPILING_EMULATOR ").Append(emulator).Append(")\n");
        }

        if (launcher is not null)
        {
            text.Append("set(CMAKE_C_COMPILER_LAUNCHER ").Append(launcher).Append(")\n")
                .Append("set(CMAKE_CXX_COMPILER_LAUNCHER ").Append(launcher).Append(")\n");
        }

        AtomicFile.WriteIfChanged(file, text.ToString());
        log.Verbose($"  {architecture.Name}: toolchain file {file}");

        return new Toolchain(architecture.Name, cc, cxx, launcher)
        {
            ToolchainFile = file,
            Identity = $"{VersionOf(cxx)}; {VersionOf("cmake")}; launcher {(launcher is null ? "none" : "ccache")}; "
                + Hashing.Sha256OfText(text.ToString())[..12],
        };
    }

    /// <summary>Finds the native toolchain, or says which package to install.</summary>
    public static Toolchain Native(string architecture, IBuildLog log)
    {
        foreach (var tool in new[] { ("cmake", "cmake"), ("ninja", "ninja-build"), ("c++", "g++"), ("cc", "gcc") })
        {
            if (Which(tool.Item1) is null)
            {
                throw new BuildException(
                    $"The build needs `{tool.Item1}`, which is not on PATH; "
                    + $"install it with `sudo apt-get install {tool.Item2}`.");
            }
        }

        var launcher = Ccache(log);

        return new Toolchain(architecture, Which("cc")!, Which("c++")!, launcher)
        {
            Identity = $"{VersionOf("c++")}; {VersionOf("cmake")}; launcher {(launcher is null ? "none" : "ccache")}",
        };
    }

    /// <summary>
    /// ccache as the compiler launcher, unless it is missing or <c>CCACHE_DISABLE</c> turns it
    /// off (any value but ccache's false ones: 0, false, no, disable). A disabled ccache would
    /// still be started for every compile only to run the compiler, which costs a tenth of a
    /// second on the tests' small upstream.
    /// </summary>
    private static string? Ccache(IBuildLog log)
    {
        var disable = Environment.GetEnvironmentVariable("CCACHE_DISABLE");
        if (disable is not null && disable.ToLowerInvariant() is not ("0" or "false" or "no" or "disable"))
        {
            log.Information("  CCACHE_DISABLE is set, so the build runs the compilers without ccache.");

            return null;
        }

        var launcher = Which("ccache");
        if (launcher is null)
        {
            log.Information("  ccache is not installed, so compiles are not cached (apt-get install ccache).");
        }

        return launcher;
    }

    /// <summary>
    /// The first line of a tool's <c>--version</c>, asked once per run: every architecture and
    /// the host-tools pass need the same answer.
    /// </summary>
    private static string VersionOf(string program) =>
        Versions.GetOrAdd(program, p => new Lazy<string>(() =>
            ProcessRunner.RunChecked(new ProcessSpec(p, ["--version"])).StandardOutput.Split('\n')[0])).Value;

    /// <summary>Starts asking the tools for their versions in the background, for a Build stage to come.</summary>
    public static void Prefetch(params string[] programs)
    {
        foreach (var program in programs)
        {
            if (Which(program) is not null)
            {
                _ = Task.Run(() =>
                {
                    try
                    {
                        VersionOf(program);
                    }
                    catch (BuildException)
                    {
                        // The Build stage asks again and reports it.
                        Versions.TryRemove(program, out _);
                    }
                });
            }
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> Versions =
        new(StringComparer.Ordinal);

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
