using SnapBuild.Common;

namespace SnapBuild.Toolchains;

/// <summary>Where one architecture's build happens and what it builds.</summary>
public sealed record CMakeBuildPlan
{
    public required string SourceDirectory { get; init; }

    public required string BuildDirectory { get; init; }

    public required string StageDirectory { get; init; }

    public required string LogFile { get; init; }

    public required string Prefix { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Options { get; init; }

    public required IReadOnlyList<string> Targets { get; init; }

    public required IReadOnlyList<string> InstallComponents { get; init; }

    public required int Jobs { get; init; }

    /// <summary>Whether to draw a live progress bar (a terminal) or print plain lines (CI, logs).</summary>
    public bool Interactive { get; init; }

    public TimeSpan PlainInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Folders put in front of PATH for configure and build (native host tools of a cross build).</summary>
    public IReadOnlyList<string> ExtraPath { get; init; } = [];

    /// <summary>
    /// ccache's base directory: paths below it are hashed relative to the build directory (and
    /// the build directory itself is left out of the hash), so two trees laid out alike share
    /// cached objects.
    /// </summary>
    public string? CacheBase { get; init; }

    /// <summary>Whether to install into the stage after building (a host-tools pass does not).</summary>
    public bool Install { get; init; } = true;

    /// <summary>What progress lines call this build (its architecture and variant).</summary>
    public string Label { get; init; } = string.Empty;
}

/// <summary>What a build did.</summary>
public sealed record CMakeBuildOutcome(int StepsRun, int StepsTotal, TimeSpan Elapsed, int FilesStaged);

/// <summary>
/// Configures with CMake and Ninja, builds the recipe's targets, and installs into a staging
/// directory. The build directory persists between runs, so Ninja rebuilds only what changed.
/// Compiler output goes to a log file; the console gets progress from Ninja's own status.
/// </summary>
public sealed partial class CMakeBuild
{
    private readonly IBuildLog log;
    private readonly IProgressDisplay display;

    public CMakeBuild(IBuildLog log, IProgressDisplay display)
    {
        this.log = log;
        this.display = display;
    }

    /// <summary>The CMake configure command line for a plan.</summary>
    public static IReadOnlyList<string> ConfigureArguments(CMakeBuildPlan plan, Toolchain toolchain)
    {
        var arguments = new List<string>
        {
            "-S", plan.SourceDirectory,
            "-B", plan.BuildDirectory,
            "-G", "Ninja",
            $"-DCMAKE_INSTALL_PREFIX={plan.Prefix}",
        };
        if (toolchain.ToolchainFile is { } file)
        {
            arguments.Add($"-DCMAKE_TOOLCHAIN_FILE={file}");
        }
        else
        {
            arguments.Add($"-DCMAKE_C_COMPILER={toolchain.CCompiler}");
            arguments.Add($"-DCMAKE_CXX_COMPILER={toolchain.CxxCompiler}");
        }

        if (toolchain.ToolchainFile is null)
        {
            // Given even when empty, so a build configured with ccache before drops it from its cache.
            arguments.Add($"-DCMAKE_C_COMPILER_LAUNCHER={toolchain.Launcher}");
            arguments.Add($"-DCMAKE_CXX_COMPILER_LAUNCHER={toolchain.Launcher}");
        }

        arguments.AddRange(plan.Options
            .Where(o => o.Key != "CMAKE_INSTALL_PREFIX")
            .Select(o => $"-D{o.Key}={o.Value}"));

        return arguments;
    }

    public CMakeBuildOutcome Run(CMakeBuildPlan plan, Toolchain toolchain, bool reconfigure, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(plan.BuildDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(plan.LogFile)!);
        using var logFile = new StreamWriter(plan.LogFile, append: false) { AutoFlush = true };
        var started = DateTime.UtcNow;

        if (reconfigure || !File.Exists(Path.Combine(plan.BuildDirectory, "CMakeCache.txt")))
        {
            var configure = new ProcessSpec("cmake", ConfigureArguments(plan, toolchain)) { Environment = PathFor(plan) };
            log.Information($"  configuring {plan.Options.Count} options in {plan.BuildDirectory}");
            RunLogged(configure, logFile, null, cancellationToken);
        }

        var progress = new NinjaProgress(plan.Label);
        var environment = PathFor(plan);
        environment["NINJA_STATUS"] = NinjaProgress.StatusFormat;
        var ninja = new ProcessSpec("ninja", ["-C", plan.BuildDirectory, "-j", plan.Jobs.ToString(), .. plan.Targets])
        {
            Environment = environment,
        };
        display.Start(plan.Interactive, plan.PlainInterval);
        try
        {
            RunLogged(ninja, logFile, line =>
            {
                if (progress.Observe(line))
                {
                    display.Update(progress);
                }
            }, cancellationToken);
        }
        finally
        {
            display.Finish(progress);
        }

        var staged = plan.Install ? Install(plan, logFile, cancellationToken) : 0;

        return new CMakeBuildOutcome(progress.Finished, progress.Total, DateTime.UtcNow - started, staged);
    }

    /// <summary>
    /// Installs into a fresh directory beside the stage and swaps it in, so the stage is either
    /// the previous complete install or the new complete one.
    /// </summary>
    private int Install(CMakeBuildPlan plan, StreamWriter logFile, CancellationToken cancellationToken)
    {
        var fresh = plan.StageDirectory + ".new";
        var old = plan.StageDirectory + ".old";
        foreach (var leftover in new[] { fresh, old })
        {
            if (Directory.Exists(leftover))
            {
                Directory.Delete(leftover, recursive: true);
            }
        }

        try
        {
            InstallInto(fresh, plan, logFile, cancellationToken);
        }
        catch (Exception exception) when (exception is BuildException or IOException or OperationCanceledException)
        {
            // A half install must not stay behind looking like a stage, nor hold the disk it filled.
            TryDelete(fresh);
            // CMake wraps its messages, so the words can be split over lines.
            var words = exception.Message.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (string.Join(' ', words).Contains("No space left on device", StringComparison.Ordinal))
            {
                throw new BuildException(
                    $"The disk holding the stage {plan.StageDirectory} filled up during the install "
                    + $"(see {LogName(logFile)}); "
                    + (Directory.Exists(plan.StageDirectory) ? "the previous stage is kept; " : string.Empty)
                    + "free some space or pass --work-dir=DIR elsewhere.",
                    exception);
            }

            throw;
        }

        if (Directory.Exists(plan.StageDirectory))
        {
            Directory.Move(plan.StageDirectory, old);
        }

        Directory.Move(fresh, plan.StageDirectory);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }

        return Directory.EnumerateFiles(plan.StageDirectory, "*", SearchOption.AllDirectories).Count();
    }

    private void InstallInto(string fresh, CMakeBuildPlan plan, StreamWriter logFile, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(fresh);
        var components = plan.InstallComponents.Count == 0 ? [null] : plan.InstallComponents.Cast<string?>();
        foreach (var component in components)
        {
            var arguments = new List<string> { "--install", plan.BuildDirectory };
            if (component is not null)
            {
                arguments.AddRange(["--component", component]);
            }

            var install = new ProcessSpec("cmake", arguments) { Environment = new Dictionary<string, string?> { ["DESTDIR"] = fresh } };
            var built = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                var missing = TryInstall(install, logFile, plan.BuildDirectory, cancellationToken);
                if (missing is null)
                {
                    break;
                }

                // A component can install files of targets the recipe does not list (MySQL's
                // Server component installs every plugin); build each one the install asks for.
                if (!built.Add(missing))
                {
                    throw new BuildException(
                        $"`{install.CommandLine}` still misses {missing} after building it; see {LogName(logFile)}.");
                }

                log.Information($"  the {component ?? "default"} install needs {missing}, which the targets do not build; building it");
                RunLogged(new ProcessSpec("ninja", ["-C", plan.BuildDirectory, "-j", plan.Jobs.ToString(), missing]), logFile, null, cancellationToken);
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // The next install deletes it before it starts.
        }
    }

    /// <summary>Runs an install; returns the build-tree file it could not find, or null when it worked.</summary>
    private string? TryInstall(ProcessSpec spec, StreamWriter logFile, string buildDirectory, CancellationToken cancellationToken)
    {
        try
        {
            RunLogged(spec, logFile, null, cancellationToken);

            return null;
        }
        catch (BuildException exception) when (MissingFile().Match(exception.Message) is { Success: true } match
            && Path.GetFullPath(match.Groups[1].Value).StartsWith(Path.GetFullPath(buildDirectory) + "/", StringComparison.Ordinal))
        {
            return Path.GetRelativePath(buildDirectory, match.Groups[1].Value);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("file INSTALL cannot find\\s+\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex MissingFile();

    private void RunLogged(ProcessSpec spec, StreamWriter logFile, Action<string>? onLine, CancellationToken cancellationToken)
    {
        log.Verbose($"  $ {spec.CommandLine}");
        logFile.WriteLine($"$ {spec.CommandLine}");
        var gate = new Lock();
        var result = ProcessRunner.Run(
            spec with
            {
                OnLine = line =>
                {
                    lock (gate)
                    {
                        logFile.WriteLine(line);
                    }

                    onLine?.Invoke(line);
                },
            },
            cancellationToken);
        if (result.ExitCode == 0)
        {
            return;
        }

        var failed = FailedCommand(result.StandardOutput + "\n" + result.StandardError);
        throw new BuildException(
            $"`{spec.CommandLine}` failed with exit code {result.ExitCode}; the full output is in {LogName(logFile)}"
            + (failed.Length > 0 ? $":\n{failed}" : $":\n{result.CombinedTail(30)}"));
    }

    private static Dictionary<string, string?> PathFor(CMakeBuildPlan plan)
    {
        var environment = new Dictionary<string, string?>();
        if (plan.CacheBase is not null)
        {
            environment["CCACHE_BASEDIR"] = plan.CacheBase;
            environment["CCACHE_NOHASHDIR"] = "1";
        }

        if (plan.ExtraPath.Count > 0)
        {
            environment["PATH"] = string.Join(':', plan.ExtraPath.Append(Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin"));
        }

        return environment;
    }

    private static string LogName(StreamWriter writer) => (writer.BaseStream as FileStream)?.Name ?? "the build log";

    /// <summary>Ninja's "FAILED:" block: the failing edge, its command and the end of its output.</summary>
    private static string FailedCommand(string output)
    {
        var lines = output.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("FAILED: ", StringComparison.Ordinal));
        if (start < 0)
        {
            return string.Empty;
        }

        return string.Join('\n', lines.Skip(start).Take(40)).TrimEnd();
    }
}
