using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SnapBuild.Common;
using SnapBuild.Patches;
using SnapBuild.Pipeline;
using SnapBuild.Recipes;
using SnapBuild.Settings;
using SnapBuild.Sources;
using SnapBuild.Toolchains;
using SnapBuild.Upstream;

namespace SnapBuild.Nightly;

/// <summary>What the night found: the upstream check, the series tried on the newest tag, and the trial build.</summary>
public sealed record NightlyReport
{
    public required UpstreamReport Upstream { get; init; }

    public required string Tag { get; init; }

    public required IReadOnlyList<PatchTrial> Trials { get; init; }

    /// <summary>Null when no build ran; otherwise whether it succeeded and what it said.</summary>
    public bool? Built { get; init; }

    public string BuildDetail { get; init; } = "not run";

    public bool RecipeUpdated { get; init; }

    /// <summary>
    /// The night's answer, with UpstreamCheck's exit codes: 3 when upstream made the fork
    /// unnecessary; 4 when a patch conflicts or became empty (the series must change), the trial
    /// build failed, or the upstream check needs attention; otherwise 0.
    /// </summary>
    public ForkAnswer Answer =>
        Upstream.Answer == ForkAnswer.Unnecessary ? ForkAnswer.Unnecessary
        : Upstream.Answer == ForkAnswer.NeedsAttention
            || Trials.Any(t => t.Outcome is TrialOutcome.Conflicts or TrialOutcome.BecameEmpty)
            || Built == false ? ForkAnswer.NeedsAttention
        : ForkAnswer.StillNeeded;

    public IReadOnlyList<string> Table()
    {
        var width = Math.Max("patch".Length, Trials.Select(t => t.Patch.Length).DefaultIfEmpty(0).Max());
        var lines = new List<string> { $"{"patch".PadRight(width)}  at {Tag}" };
        lines.AddRange(Trials.Select(t => $"{t.Patch.PadRight(width)}  {t.Detail}"));
        lines.Add($"build  {BuildDetail}");

        return lines;
    }

    public string ToJson() => JsonText.Write(new JsonObject
    {
        ["tag"] = Tag,
        ["answer"] = JsonText.Name(Answer),
        ["exit_code"] = (int)Answer,
        ["patches"] = new JsonArray([.. Trials.Select(t => (JsonNode)new JsonObject
        {
            ["patch"] = t.Patch,
            ["outcome"] = JsonText.Name(t.Outcome),
            ["detail"] = t.Detail,
        })]),
        ["build"] = new JsonObject { ["built"] = Built, ["detail"] = BuildDetail },
        ["recipe_updated"] = RecipeUpdated,
        ["upstream"] = new JsonObject
        {
            ["newest_tracked"] = Upstream.NewestTracked,
            ["newest_overall"] = Upstream.NewestOverall,
            ["answer"] = JsonText.Name(Upstream.Answer),
        },
    });

    public string ToMarkdown()
    {
        var text = new StringBuilder($"## Nightly: the series at {Tag}\n\n");
        text.Append("| patch | at ").Append(Tag).Append(" |\n|---|---|\n");
        foreach (var trial in Trials)
        {
            text.Append("| `").Append(trial.Patch).Append("` | ").Append(trial.Detail.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        }

        text.Append("\nBuild: ").Append(BuildDetail).Append(RecipeUpdated ? "; the recipe and lock now name " + Tag : string.Empty).Append("\n\n");

        return text + Upstream.ToMarkdown();
    }
}

/// <summary>
/// The nightly job: UpstreamCheck, then the series tried on the newest tag of the tracked line
/// in a scratch clone, then (when every patch applies) a build of that tag for the host
/// architecture in its own work directory, and with <c>--update-recipe</c> the recipe, lock and
/// moved patches brought to that tag. Nothing of the pinned build is touched.
/// </summary>
public sealed partial class NightlyRunner
{
    private readonly BuildSettings settings;
    private readonly IBuildLog log;
    private readonly IProgressDisplay display;
    private readonly CancellationToken cancellationToken;

    public NightlyRunner(BuildSettings settings, IBuildLog log, IProgressDisplay display, CancellationToken cancellationToken)
    {
        this.settings = settings;
        this.log = log;
        this.display = display;
        this.cancellationToken = cancellationToken;
    }

    public async Task<NightlyReport> RunAsync()
    {
        var recipe = settings.Recipe;
        var upstream = await new UpstreamChecker(GitHubOptions.From(settings), log, cancellationToken).CheckAsync(recipe);
        upstream.Write(settings.ArtifactsDirectory.Value);
        var tag = upstream.NewestTracked;
        var url = settings.UpstreamUrl.Value
            ?? recipe.Upstream.Sources.OfType<GitSourceSpec>().FirstOrDefault()?.Url
            ?? throw new BuildException(
                $"Nightly tries the series on {tag} from a git remote, and {recipe.Path} has no 'git:' source; "
                + "add one or pass --upstream-url.");

        var trialRecipe = recipe with { Upstream = recipe.Upstream with { Tag = tag } };
        var host = Architecture.Host.Name;
        var trialSettings = settings.ForTrial(trialRecipe, Path.Combine(settings.RecipeWorkDirectory, "nightly"), url, [host]);
        var pipeline = new BuildPipeline(trialSettings, log, display, cancellationToken);
        log.Information($"Nightly: trying the series on {tag} from {url}");
        var release = pipeline.Clone();
        var series = SeriesFile.Read(recipe.Patches.Series);
        var trials = SeriesTrial.Run(series, pipeline.Layout.Source, release.Commit, cancellationToken);
        foreach (var trial in trials)
        {
            log.Information($"  {trial.Patch}: {trial.Detail}");
        }

        bool? built = null;
        var buildDetail = "not run: the series does not apply as it is";
        if (trials.All(t => t.Outcome is TrialOutcome.Unchanged or TrialOutcome.Offsets))
        {
            try
            {
                pipeline.Patch();
                pipeline.Build();
                built = true;
                buildDetail = $"{host} built from {tag}";
            }
            catch (BuildException exception) when (exception is not UsageException)
            {
                built = false;
                buildDetail = $"{host} failed: {exception.Message}";
            }
        }

        var updated = false;
        if (settings.UpdateRecipe.Value)
        {
            updated = built == true && UpdateRecipe(recipe, tag, url, release.Commit, series, trials);
            if (built != true)
            {
                log.Warning($"--update-recipe: leaving {recipe.Path} at {recipe.Upstream.Tag}: the series did not apply and build at {tag}.");
            }
        }

        var report = new NightlyReport
        {
            Upstream = upstream,
            Tag = tag,
            Trials = trials,
            Built = built,
            BuildDetail = buildDetail,
            RecipeUpdated = updated,
        };
        AtomicFile.WriteAllText(Path.Combine(settings.ArtifactsDirectory.Value, "nightly.json"), report.ToJson());
        AtomicFile.WriteAllText(Path.Combine(settings.ArtifactsDirectory.Value, "nightly.md"), report.ToMarkdown());

        return report;
    }

    /// <summary>Moves the recipe's tag and the lock to the tried tag and rewrites the patches that moved.</summary>
    private bool UpdateRecipe(
        Recipe recipe, string tag, string url, string commit, SeriesFile series, IReadOnlyList<PatchTrial> trials)
    {
        // Everything that can refuse is checked before the first file is written, so a refusal
        // leaves the recipe, the lock and the series as they were.
        var moving = tag != recipe.Upstream.Tag;
        string? newRecipe = null;
        if (moving)
        {
            var text = File.ReadAllText(recipe.Path);
            var pattern = new Regex(
                $@"(?m)^(\s+tag:\s*)(['""]?){Regex.Escape(recipe.Upstream.Tag)}\2(\s*(#.*)?)$",
                RegexOptions.None,
                TimeSpan.FromSeconds(1));
            if (pattern.Count(text) != 1)
            {
                throw new BuildException(
                    $"--update-recipe could not find the one 'tag: {recipe.Upstream.Tag}' line under 'upstream' "
                    + $"in {recipe.Path}; move it to {tag} by hand.");
            }

            newRecipe = pattern.Replace(
                text, m => m.Groups[1].Value + m.Groups[2].Value + tag + m.Groups[2].Value + m.Groups[3].Value);
        }

        foreach (var trial in trials.Where(t => t.Refreshed is not null))
        {
            var path = series.Entries.Single(e => e.Name == trial.Patch).Path;
            AtomicFile.WriteAllText(path, trial.Refreshed!);
            log.Information($"--update-recipe: refreshed {path} for {tag}");
        }

        if (newRecipe is null)
        {
            return trials.Any(t => t.Refreshed is not null);
        }

        AtomicFile.WriteAllText(recipe.Path, newRecipe);
        var lockFile = new LockFile(recipe.LockPath, tag);
        lockFile.Set(new LockedSource(new GitSourceSpec { Url = url, Location = "nightly" }.Describe(), commit, null));
        lockFile.Write();
        log.Information($"--update-recipe: {recipe.Path} and {recipe.LockPath} now name {tag} ({commit[..12]})");
        foreach (var stale in recipe.Upstream.Sources.Where(s => s is not GitSourceSpec))
        {
            log.Warning(
                $"--update-recipe: {stale.Describe()} ({stale.Location}) still names {recipe.Upstream.Tag}; "
                + $"update its URL and sha256 for {tag}.");
        }

        return moving;
    }
}
