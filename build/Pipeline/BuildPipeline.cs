using SnapBuild.Common;
using SnapBuild.Patches;
using SnapBuild.Settings;
using SnapBuild.Snapcraft;
using SnapBuild.Sources;
using SnapBuild.Stages;
using SnapBuild.Toolchains;
using SnapBuild.Verify;

namespace SnapBuild.Pipeline;

/// <summary>
/// The stages the tasks run: Clone, Patch, Build, Snap, plus Lock and Clean. Each stage records
/// what it produced and from which inputs, so a rerun skips what is finished and a changed input
/// redoes only what depends on it. No Cake type appears here: tests drive it directly.
/// </summary>
public sealed class BuildPipeline
{
    private readonly BuildSettings settings;
    private readonly IBuildLog log;
    private readonly IProgressDisplay display;
    private readonly CancellationToken cancellationToken;
    private readonly StageStore stages;

    /// <summary>The commit this run's Clone checked out with --force, so Patch need not ask git status.</summary>
    private string? checkedOut;

    public BuildPipeline(BuildSettings settings, IBuildLog log, IProgressDisplay display, CancellationToken cancellationToken)
    {
        this.settings = settings;
        this.log = log;
        this.display = display;
        this.cancellationToken = cancellationToken;
        Layout = new WorkLayout(settings.RecipeWorkDirectory);
        stages = new StageStore(Layout.Stages, log);
    }

    public WorkLayout Layout { get; }

    public CacheLayout Cache => new(settings.CacheDirectory.Value);

    private Recipes.Recipe Recipe => settings.Recipe;

    /// <summary>Resolves the release (cache, sources, lock) and checks it out in the worktree.</summary>
    public ResolvedRelease Clone()
    {
        ResolvedRelease release;
        bool changed;
        try
        {
            release = Resolve(refresh: false, unpackInto: Layout.Source);
            changed = Worktree.Prepare(release.MirrorPath, release.Commit, Layout.Source, log, cancellationToken);
        }
        catch (Exception exception) when (exception is LibGit2Sharp.LibGit2SharpException or MirrorDamagedException
            && !settings.Offline.Value)
        {
            // A truncated pack, an object cut short: the mirror is a cache, so it is fetched again.
            var mirror = Cache.MirrorFor(Recipe.Name);
            var detail = exception is MirrorDamagedException damaged ? damaged.Detail : exception.Message;
            log.Warning(
                $"The mirror {mirror} is damaged ({detail.TrimEnd('.')}); fetching {Recipe.Upstream.Tag} again.");
            Directory.Delete(mirror, recursive: true);
            release = Resolve(refresh: false, unpackInto: Layout.Source);
            changed = Worktree.Prepare(release.MirrorPath, release.Commit, Layout.Source, log, cancellationToken);
        }

        checkedOut = changed ? release.Commit : null;
        stages.Write("clone", release.Commit, new Dictionary<string, string>
        {
            ["commit"] = release.Commit,
            ["source"] = release.Source,
            ["mirror"] = release.MirrorPath,
        });
        log.Information(changed
            ? $"Clone: {Recipe.Upstream.Tag} at {release.Commit[..12]} checked out in {Layout.Source}"
            : $"Clone: {Layout.Source} already has {Recipe.Upstream.Tag} ({release.Commit[..12]})");

        return release;
    }

    /// <summary>Asks the sources again and writes the lock from what they answer.</summary>
    public ResolvedRelease Lock() => Resolve(refresh: true);

    /// <summary>Applies the series on the cloned release; does nothing when neither has changed.</summary>
    public PatchOutcome Patch()
    {
        var commit = stages.Read("clone")?.Outputs["commit"]
            ?? throw new BuildException($"Nothing is cloned in {Layout.Source} yet; run --target=Clone first.");
        var series = SeriesFile.Read(Recipe.Patches.Series);
        var inputs = Hashing.Combine(
        [
            new("upstream", commit),
            new("series", series.Hash()),
            new("allow-binary", Recipe.Patches.AllowBinary.ToString()),
        ]);
        var head = Head();
        var record = stages.Current("patch", inputs, r => r.Outputs.GetValueOrDefault("head") == head);
        if (record is not null)
        {
            log.Information($"Patch: nothing changed; {series.Entries.Count} patches already applied ({head![..12]})");

            return new PatchOutcome(head, series.Entries.Count, 0, []);
        }

        var applier = new PatchApplier(log);
        var fresh = checkedOut == commit;
        checkedOut = null;
        var outcome = applier.Apply(
            Layout.Source, commit, series, Recipe.Patches.AllowBinary, cancellationToken, justCheckedOut: fresh);
        stages.Write("patch", inputs, new Dictionary<string, string> { ["head"] = outcome.Head });
        var files = outcome.FilesRewritten < 0 ? string.Empty : $", {outcome.FilesRewritten} files rewritten";
        log.Information($"Patch: {outcome.Applied} patches applied from {Path.GetFileName(series.Path)}{files} ({outcome.Head[..12]})");
        log.Verbose($"  {outcome.AppliedInProcess} of them in process, the others by git apply");

        return outcome;
    }

    /// <summary>Builds and stages every requested architecture this host can build.</summary>
    public IReadOnlyDictionary<string, CMakeBuildOutcome?> Build()
    {
        var head = stages.Read("patch")?.Outputs.GetValueOrDefault("head")
            ?? throw new BuildException($"The source in {Layout.Source} is not patched yet; run --target=Patch first.");
        if (Head() != head)
        {
            throw new BuildException(
                $"{Layout.Source} is not at the patched commit {head[..12]}; run --target=Patch to put it back.");
        }

        return Builder().BuildAll(head, settings.Architectures.Value);
    }

    /// <summary>
    /// Writes the snapcraft part for the recipe and series, in the form and for the base the
    /// settings name, to <c>&lt;artifacts&gt;/snapcraft/&lt;part&gt;.yaml</c>, and with
    /// <c>--snapcraft-yaml</c> into that file in place. Paths in the part are relative to the snap
    /// project: the folder of that snapcraft.yaml, or else this repository.
    /// </summary>
    public string Snap()
    {
        var commit = stages.Read("clone")?.Outputs["commit"]
            ?? throw new BuildException($"Nothing is cloned in {Layout.Source} yet; run --target=Clone first.");
        var series = SeriesFile.Read(Recipe.Patches.Series);
        var snapcraftYaml = settings.SnapcraftYaml.Value;
        var snapProject = snapcraftYaml is null
            ? Path.GetDirectoryName(Path.GetDirectoryName(Recipe.Path)!)!
            : SnapcraftYamlUpdater.ProjectDirectory(snapcraftYaml);
        var inputs = PartInputsFor(series, snapProject);
        var document = PartWriter.Write(inputs);
        var target = Path.Combine(settings.ArtifactsDirectory.Value, "snapcraft", Recipe.Snap.Part + ".yaml");
        var written = AtomicFile.WriteIfChanged(target, document.Snippet);
        log.Information(written
            ? $"Snap: wrote {target} ({inputs.Form.Name()} form, {inputs.Base.Name()})"
            : $"Snap: {target} is up to date");
        var outputs = new Dictionary<string, string>
        {
            ["part"] = target,
            ["sha256"] = Hashing.Sha256OfText(document.Snippet),
        };
        if (snapcraftYaml is not null)
        {
            var update = SnapcraftYamlUpdater.Update(snapcraftYaml, document);
            foreach (var warning in update.Warnings)
            {
                log.Warning($"Snap: {warning}.");
            }

            var what = update.Replaced.Select(p => $"replaced {p}").Concat(update.Added.Select(p => $"added {p}"));
            log.Information(update.Changed
                ? $"Snap: {string.Join(", ", what)} in {snapcraftYaml}"
                : $"Snap: {snapcraftYaml} is up to date");
            outputs["snapcraft-yaml"] = snapcraftYaml;
        }

        stages.Write(
            "snap",
            Hashing.Combine(
            [
                new("commit", commit),
                new("series", series.Hash()),
                new("recipe", Recipe.Sha256),
                new("form", inputs.Form.Name()),
                new("base", inputs.Base.Name()),
                new("architectures", string.Join(',', inputs.Architectures)),
            ]),
            outputs);

        return target;
    }

    /// <summary>What the part is made from: the series (source form) or the staged trees (prebuilt form).</summary>
    private PartInputs PartInputsFor(SeriesFile series, string snapProject)
    {
        var inputs = new PartInputs
        {
            Recipe = Recipe,
            Form = settings.PartForm.Value,
            Base = settings.Base.Value,
            Architectures = settings.Architectures.Value,
            BuildHost = Architecture.Host.Name,
        };
        if (inputs.Form == PartForm.Prebuilt)
        {
            return inputs with
            {
                StagedTrees = settings.Architectures.Value.ToDictionary(
                    a => a,
                    a => Directory.Exists(Layout.StageFor(a))
                        ? InSnapProject(snapProject, Layout.StageFor(a))
                        : throw new BuildException(
                            $"The prebuilt form needs {Layout.StageFor(a)}, which is not built; "
                            + $"run --target=Build --arch={a} first.")),
            };
        }

        return inputs with
        {
            GitUrl = settings.UpstreamUrl.Value
                ?? Recipe.Upstream.Sources.OfType<Recipes.GitSourceSpec>().FirstOrDefault()?.Url
                ?? throw new UsageException(
                    $"{Recipe.Path}: the source form pulls with git, so the recipe needs a 'git' source "
                    + "or --upstream-url."),
            Patches = series.Entries
                .Select(e => new PartPatch(
                    Path.GetRelativePath(series.Directory, e.Path).Replace('\\', '/'),
                    e.StripLevel,
                    Hashing.Sha256OfFile(e.Path)))
                .ToList(),
            PatchesDirectory = InSnapProject(snapProject, series.Directory),
        };
    }

    /// <summary>
    /// A path as the part names it: relative to the snap project. Snapcraft builds in a container or
    /// VM that sees only the project, so a path outside it works only with --destructive-mode.
    /// </summary>
    private string InSnapProject(string snapProject, string path)
    {
        var relative = Path.GetRelativePath(snapProject, path).Replace('\\', '/');
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            log.Warning($"Snap: {path} is outside the snap project {snapProject}; snapcraft reaches it only with "
                + "--destructive-mode, so move it into the project (--work-dir for staged trees) for other builds.");
        }

        return relative;
    }

    /// <summary>
    /// Proves what the series is for: the patched build and an unpatched build of the same tag
    /// run the recipe's verify commands under a filter that kills on <c>setpriority</c> and one
    /// that answers EPERM. The patched build must survive both; the unpatched one must die with
    /// SIGSYS under the first.
    /// </summary>
    public IReadOnlyList<VerifyOutcome> Verify()
    {
        var spec = Recipe.Verify ?? throw new UsageException(
            $"{Recipe.Path} has no 'verify' section, so there is nothing to run under seccomp; see README.md.");
        var clone = stages.Read("clone")
            ?? throw new BuildException($"Nothing is cloned in {Layout.Source} yet; run --target=Clone first.");
        var commit = clone.Outputs["commit"];
        var outcomes = new List<VerifyOutcome>();
        var builder = Builder();
        var launcher = SeccompLauncher.Build(Layout.Tools, log, cancellationToken);
        foreach (var architecture in settings.Architectures.Value.Select(Architecture.Named))
        {
            var patched = Layout.StageFor(architecture.Name);
            if (!Directory.Exists(patched))
            {
                throw new BuildException($"There is no {architecture.Name} build in {patched}; run --target=Build first.");
            }

            log.Information($"Verify {architecture.Name}: building the unpatched {Recipe.Upstream.Tag} for comparison");
            Worktree.Prepare(clone.Outputs["mirror"], commit, Layout.Unpatched.Source, log, cancellationToken);
            builder.BuildTree(architecture, commit, Layout.Unpatched, "-unpatched", builder.JobsTotal, interactive: true);
            var verifier = new SeccompVerifier(launcher, log, architecture);
            foreach (var (build, stage) in new[] { ("patched", patched), ("unpatched", Layout.Unpatched.StageFor(architecture.Name)) })
            {
                foreach (var filter in new[] { SeccompFilter.Kill, SeccompFilter.Eperm })
                {
                    var outcome = verifier.Run($"{build} {architecture.Name}", stage, spec, filter, cancellationToken);
                    outcomes.Add(outcome);
                    log.Information(
                        $"  {outcome.Build,-18} {Filter(filter),-14} {(outcome.Survived ? "survived" : "died"),-9} "
                        + $"{outcome.Detail} ({outcome.Elapsed.TotalSeconds:F1} s)");
                }
            }
        }

        var failures = outcomes
            .Where(o => o.Build.StartsWith("patched", StringComparison.Ordinal) && !o.Survived)
            .Select(o => $"the {o.Build} build did not survive the {Filter(o.Filter)} filter ({o.Detail})")
            .Concat(outcomes
                .Where(o => o.Build.StartsWith("unpatched", StringComparison.Ordinal) && o.Filter == SeccompFilter.Kill && !o.KilledBySigsys)
                .Select(o => $"the {o.Build} build was not killed by SIGSYS under the kill filter ({o.Detail}), so the check proves nothing"))
            .ToList();
        if (failures.Count > 0)
        {
            throw new BuildException("Verify failed: " + string.Join("; ", failures) + ".");
        }

        log.Information("Verify: the patched build survives both filters; the unpatched build dies with SIGSYS under the kill filter");

        return outcomes;
    }

    private ArchitectureBuilder Builder() =>
        new(Recipe, Layout, stages, log, display, settings.Jobs.Value ?? DefaultJobs(), cancellationToken);

    private static string Filter(SeccompFilter filter) => filter == SeccompFilter.Kill ? "kill (SIGSYS)" : "EPERM";

    /// <summary>Deletes this recipe's work directory (sources, builds, stages); the cache stays.</summary>
    public void Clean()
    {
        Leftovers.RemoveDead(Path.GetDirectoryName(Layout.Root)!, Path.GetFileName(Layout.Root) + ".deleting.", string.Empty);
        if (!Directory.Exists(Layout.Root))
        {
            log.Information($"Clean: {Layout.Root} does not exist; nothing to do");

            return;
        }

        // Move aside first, so an interrupted delete never leaves a half tree that looks complete.
        var doomed = Layout.Root + $".deleting.{Environment.ProcessId}";
        Directory.Move(Layout.Root, doomed);
        Directory.Delete(doomed, recursive: true);
        log.Information($"Clean: deleted {Layout.Root} (the cache in {Cache.Root} is kept)");
    }

    /// <summary>One job per core, but no more than one per 2 GiB of memory (C++ compiles are large).</summary>
    public static int DefaultJobs()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var byMemory = (int)Math.Max(1, memory / (2L << 30));

        return Math.Max(1, Math.Min(Environment.ProcessorCount, byMemory));
    }

    private ResolvedRelease Resolve(bool refresh, string? unpackInto = null)
    {
        var resolver = new ReleaseResolver(Cache, log);

        return resolver.Resolve(Recipe, new ResolveOptions
        {
            UpstreamUrl = settings.UpstreamUrl.Value,
            Offline = settings.Offline.Value,
            Locked = settings.Locked.Value,
            Refresh = refresh,
            Worktree = unpackInto,
        }, cancellationToken);
    }

    private string? Head()
    {
        if (!Directory.Exists(Path.Combine(Layout.Source, ".git")))
        {
            return null;
        }

        using var repository = new LibGit2Sharp.Repository(Layout.Source);

        return repository.Head.Tip?.Sha;
    }
}
