using System.Collections.Concurrent;
using System.Diagnostics;
using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Stages;
using SnapBuild.Toolchains;

namespace SnapBuild.Pipeline;

/// <summary>
/// Builds the recipe for each requested architecture: the host's natively, the others with
/// Debian's cross toolchains. Prerequisites of every architecture are checked before any build
/// starts; the builds then run side by side within a bounded total job count, each in its own
/// build and staging directory, and one failing architecture does not stop the others. Every
/// staged ELF file is checked for the architecture, and the recipe's smoke command runs from the
/// stage (under qemu-user for a foreign architecture).
/// </summary>
public sealed class ArchitectureBuilder
{
    private readonly Recipe recipe;
    private readonly WorkLayout layout;
    private readonly StageStore stages;
    private readonly IBuildLog log;
    private readonly IProgressDisplay display;
    private readonly CancellationToken cancellationToken;
    private readonly Lock hostToolsGate = new();
    private string? hostTools;

    public ArchitectureBuilder(
        Recipe recipe,
        WorkLayout layout,
        StageStore stages,
        IBuildLog log,
        IProgressDisplay display,
        int jobsTotal,
        CancellationToken cancellationToken)
    {
        this.recipe = recipe;
        this.layout = layout;
        this.stages = stages;
        this.log = log;
        this.display = display;
        JobsTotal = jobsTotal;
        this.cancellationToken = cancellationToken;
    }

    /// <summary>Compile jobs for all architectures together.</summary>
    public int JobsTotal { get; }

    /// <summary>The Debian packages one architecture's build needs: cross compilers, qemu-user, the recipe's.</summary>
    public IReadOnlyList<string> PackagesFor(Architecture architecture) =>
        [.. architecture.CrossPackages, .. recipe.Build.PackagesFor(architecture.Name)];

    public IReadOnlyDictionary<string, CMakeBuildOutcome?> BuildAll(string head, IReadOnlyList<string> architectures)
    {
        var targets = architectures.Select(Architecture.Named).ToList();
        var prerequisites = new Prerequisites(log);
        foreach (var architecture in targets)
        {
            prerequisites.Ensure($"the {architecture.Name} build", PackagesFor(architecture), cancellationToken);
        }

        var parallel = Math.Max(1, Math.Min(targets.Count, JobsTotal));
        var jobs = Math.Max(1, JobsTotal / parallel);
        if (targets.Count > 1)
        {
            log.Information($"Build: {targets.Count} architectures, {parallel} at a time with {jobs} jobs each");
        }

        var results = new ConcurrentDictionary<string, CMakeBuildOutcome?>();
        var failures = new ConcurrentDictionary<string, BuildException>();
        var times = new ConcurrentDictionary<string, TimeSpan>();
        Parallel.ForEach(
            targets,
            new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            architecture =>
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    results[architecture.Name] = BuildChecked(architecture, head, jobs, interactive: parallel == 1);
                }
                catch (BuildException exception)
                {
                    failures[architecture.Name] = exception;
                    if (targets.Count > 1)
                    {
                        log.Warning($"Build {architecture.Name} failed: {exception.Message}");
                    }
                }

                times[architecture.Name] = clock.Elapsed;
            });

        if (targets.Count > 1)
        {
            log.Information("Build summary:");
            foreach (var architecture in targets)
            {
                var result = failures.TryGetValue(architecture.Name, out var failure) ? "failed"
                    : results.GetValueOrDefault(architecture.Name) is { } outcome
                        ? $"built, {outcome.StepsRun} ninja steps"
                    : "up to date";
                var time = NinjaProgress.Format(times[architecture.Name]);
                log.Information($"  {architecture.Name,-6} {result,-28} {time}");
            }
        }

        if (!failures.IsEmpty)
        {
            var names = targets.Where(a => failures.ContainsKey(a.Name)).Select(a => a.Name).ToList();
            var first = failures[names[0]];
            if (targets.Count == 1)
            {
                throw first;
            }

            throw new BuildException(
                $"The build failed for {string.Join(" and ", names)}"
                + (names.Count < targets.Count ? $" (the others built)" : string.Empty)
                + $"; {names[0]}: {first.Message}",
                first);
        }

        return results;
    }

    /// <summary>
    /// The folder of natively built host tools that cross builds put on PATH; built once per run
    /// (and skipped when its record is current), whichever cross build asks first.
    /// </summary>
    private string HostTools(int jobs)
    {
        lock (hostToolsGate)
        {
            if (hostTools is not null)
            {
                return hostTools;
            }

            // Always from the patched tree: the unpatched build of Verify uses the same tools.
            var head = stages.Read("patch")?.Outputs.GetValueOrDefault("head")
                ?? throw new BuildException(
                    $"The source in {layout.Source} is not patched yet; run --target=Patch first.");
            var spec = recipe.Build.HostTools!;
            var toolchain = Toolchain.Native(Architecture.Host.Name, log);
            var options = recipe.Build.OptionsFor(Architecture.Host.Name).ToList();
            foreach (var option in spec.Options)
            {
                options.RemoveAll(o => o.Key == option.Key);
                options.Add(option);
            }

            var plan = new CMakeBuildPlan
            {
                SourceDirectory = layout.Source,
                BuildDirectory = layout.BuildFor("host-tools"),
                StageDirectory = layout.StageFor("host-tools"),
                LogFile = layout.LogFor("host-tools"),
                Prefix = recipe.Build.Prefix,
                Options = options,
                Targets = spec.Targets,
                InstallComponents = [],
                Jobs = jobs,
                Install = false,
                Label = "host-tools",
            };
            var directory = Path.GetFullPath(Path.Combine(plan.BuildDirectory, spec.Directory));
            bool Built() => spec.Targets.All(t => File.Exists(Path.Combine(directory, Path.GetFileName(t))));
            RunRecorded(plan, toolchain, head, Built);
            hostTools = directory;

            return directory;
        }
    }

    /// <summary>Builds one architecture, then checks its ELF files and runs the smoke command.</summary>
    private CMakeBuildOutcome? BuildChecked(Architecture architecture, string head, int jobs, bool interactive)
    {
        var outcome = BuildTree(architecture, head, layout, string.Empty, jobs, interactive);
        var stage = layout.StageFor(architecture.Name);
        var elves = ElfCheck.Check(stage, architecture);
        log.Information($"Build {architecture.Name}: {elves} ELF files checked ({architecture.ElfDescription})");
        if (recipe.Build.Smoke.Count > 0)
        {
            Smoke(architecture, stage);
        }

        return outcome;
    }

    private void Smoke(Architecture architecture, string stage)
    {
        var command = recipe.Build.Smoke.Select(a => a.Replace("{stage}", stage, StringComparison.Ordinal)).ToList();
        var argv = Emulation.Wrap(architecture, command);
        var result = ProcessRunner.Run(new ProcessSpec(argv[0], argv.Skip(1).ToList()), cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new BuildException(
                $"The smoke command `{string.Join(' ', argv)}` for {architecture.Name} failed "
                + $"with exit code {result.ExitCode}: "
                + result.CombinedTail(5));
        }

        var first = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var how = architecture.IsHost ? "natively" : "under " + architecture.Qemu;
        log.Information($"Build {architecture.Name}: smoke run {how}: {first}");
    }

    /// <summary>
    /// Builds one source tree for one architecture: the patched one in <paramref name="tree"/>'s
    /// layout, or Verify's unpatched reference in its own. The variant ("" or "-unpatched")
    /// keeps their stage records and log lines apart.
    /// </summary>
    public CMakeBuildOutcome? BuildTree(
        Architecture architecture,
        string head,
        WorkLayout tree,
        string variant,
        int jobs,
        bool interactive)
    {
        var name = architecture.Name + variant;
        var toolchain = architecture.IsHost
            ? Toolchain.Native(architecture.Name, log)
            : Toolchain.Cross(architecture, layout.Toolchains, log);
        IReadOnlyList<string> extraPath = !architecture.IsHost && recipe.Build.HostTools is not null
            ? [HostTools(jobs)]
            : [];
        var stageDirectory = tree.StageFor(architecture.Name);
        var plan = new CMakeBuildPlan
        {
            SourceDirectory = tree.Source,
            BuildDirectory = tree.BuildFor(architecture.Name),
            StageDirectory = stageDirectory,
            LogFile = tree.LogFor(architecture.Name),
            CacheBase = layout.Root,
            Prefix = recipe.Build.Prefix,
            Options = recipe.Build.OptionsFor(architecture.Name),
            Targets = recipe.Build.Targets,
            InstallComponents = recipe.Build.InstallComponents,
            Jobs = jobs,
            Interactive = interactive && !Console.IsOutputRedirected
                && Environment.GetEnvironmentVariable("CI") is null,
            Label = name,
            ExtraPath = extraPath,
        };

        return RunRecorded(plan, toolchain, head, () => Directory.Exists(stageDirectory));
    }

    /// <summary>
    /// Runs a build plan unless its record says the same inputs already produced output that
    /// <paramref name="outputExists"/> still finds. Configure inputs (options, prefix, toolchain)
    /// and build inputs (those plus the source commit, targets and components) are recorded
    /// apart, so a new commit rebuilds without configuring again.
    /// </summary>
    /// <returns>What the build did, or null when it was up to date.</returns>
    private CMakeBuildOutcome? RunRecorded(
        CMakeBuildPlan plan,
        Toolchain toolchain,
        string head,
        Func<bool> outputExists)
    {
        var configureInputs = Hashing.Combine(
            plan.Options.Select(o => new KeyValuePair<string, string>("-D" + o.Key, o.Value))
                .Append(new("prefix", plan.Prefix))
                .Append(new("toolchain", toolchain.Identity)));
        var buildInputs = Hashing.Combine(
        [
            new("head", head),
            new("configure", configureInputs),
            new("targets", string.Join(' ', plan.Targets)),
            new("components", string.Join(' ', plan.InstallComponents)),
        ]);
        var stageName = $"build-{plan.Label}";
        if (stages.Current(stageName, buildInputs, _ => outputExists()) is not null)
        {
            log.Information($"Build {plan.Label}: up to date");

            return null;
        }

        var configureName = $"configure-{plan.Label}";
        var reconfigure = stages.Current(configureName, configureInputs, _ => true) is null;
        log.Information($"Build {plan.Label}: {plan.Jobs} jobs, full output in {plan.LogFile}");
        var outcome = new CMakeBuild(log, display).Run(plan, toolchain, reconfigure, cancellationToken);
        var configured = new Dictionary<string, string> { ["build"] = plan.BuildDirectory };
        stages.Write(configureName, configureInputs, configured);
        stages.Write(stageName, buildInputs, new Dictionary<string, string>
        {
            ["stage"] = plan.StageDirectory,
            ["steps-run"] = outcome.StepsRun.ToString(),
            ["files"] = outcome.FilesStaged.ToString(),
            ["toolchain"] = toolchain.Identity,
        });
        log.Information(
            $"Build {plan.Label}: {outcome.StepsRun} ninja steps in {NinjaProgress.Format(outcome.Elapsed)}"
            + (plan.Install ? $", {outcome.FilesStaged} files staged in {plan.StageDirectory}" : string.Empty));

        return outcome;
    }
}
