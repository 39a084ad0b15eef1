using System.Text;
using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Snapcraft;

namespace SnapBuild.Settings;

/// <summary>Where a setting's value came from, in the order they are consulted.</summary>
public enum SettingOrigin
{
    Argument,
    Environment,
    Recipe,
    Default,
}

/// <summary>One resolved setting, kept with its origin so the start of a run can show both.</summary>
public sealed record Setting<T>(string Name, T Value, SettingOrigin Origin, bool Secret = false)
{
    /// <summary>Name, value and origin; a secret's value is never part of it.</summary>
    public override string ToString() => $"{Name} = {(Secret ? "(secret)" : Value?.ToString())} ({Origin})";
}

/// <summary>
/// The project's own options, each resolved once: command-line argument, then environment
/// variable (<c>SNAPBUILD_&lt;NAME&gt;</c>), then the recipe, then the default.
/// </summary>
public sealed class BuildSettings
{
    /// <summary>Every option this host understands, with the help line <c>--help</c> shows.</summary>
    public static readonly IReadOnlyList<(string Name, string Help)> Options =
    [
        ("recipe", "Recipe file (default recipes/mysql.yaml)"),
        ("arch", "Comma-separated architectures to build (default: the recipe's)"),
        ("upstream-url", "A git remote used instead of the recipe's sources, e.g. a local mirror"),
        ("work-dir", "Work directory for sources, builds and stage records (default .work/)"),
        ("cache-dir", "Cache for upstream mirrors and downloads (default $XDG_CACHE_HOME/snap-build)"),
        ("artifacts-dir", "Where the snapcraft part and reports are written (default artifacts/)"),
        ("offline", "Work from the cache alone; never touch the network"),
        ("locked", "Refuse to run without a lock that pins the release"),
        ("jobs", "Parallel compile jobs (default: from the machine's cores and memory)"),
        ("lock-wait", "Seconds to wait for another run using the work directory (default 0: stop at once)"),
        ("github-api-url", "GitHub API root for UpstreamCheck (default https://api.github.com; GitHub Enterprise, tests)"),
        ("part-form", "Snap part form: source (snapcraft builds it) or prebuilt (the trees staged here)"),
        ("base", "Snap base the part is written for: core22 or core24 (default: the recipe's, else core24)"),
        ("snapcraft-yaml", "A snapcraft.yaml whose part is replaced in place (default: none, only the snippet)"),
        ("update-recipe", "Nightly: move the recipe and lock to the newest tag when the series applies and builds there"),
        ("snap-revision", "N in the release version <upstream>+snapN (default: from a tag on HEAD such as v9.7.2+snap1)"),
    ];

    private BuildSettings()
    {
    }

    public required Setting<string> RecipePath { get; init; }

    public required Recipe Recipe { get; init; }

    public required Setting<IReadOnlyList<string>> Architectures { get; init; }

    public required Setting<string?> UpstreamUrl { get; init; }

    public required Setting<string> WorkDirectory { get; init; }

    public required Setting<string> CacheDirectory { get; init; }

    public required Setting<string> ArtifactsDirectory { get; init; }

    public required Setting<bool> Offline { get; init; }

    public required Setting<bool> Locked { get; init; }

    public required Setting<int?> Jobs { get; init; }

    public required Setting<int> LockWait { get; init; }

    public required Setting<Uri> GitHubApiUrl { get; init; }

    public Setting<PartForm> PartForm { get; init; } =
        new("part-form", Snapcraft.PartForm.Source, SettingOrigin.Default);

    public Setting<SnapBase> Base { get; init; } = new("base", SnapBase.Core24, SettingOrigin.Default);

    /// <summary>The snapcraft.yaml whose part the Snap stage replaces in place, or null.</summary>
    public Setting<string?> SnapcraftYaml { get; init; } = new("snapcraft-yaml", null, SettingOrigin.Default);

    public required Setting<bool> UpdateRecipe { get; init; }

    /// <summary>The N of a release's <c>+snapN</c>; null means: read it from a tag on HEAD.</summary>
    public required Setting<int?> SnapRevision { get; init; }

    /// <summary><c>GITHUB_TOKEN</c> from the environment, or null; never printed.</summary>
    public required Setting<string?> GitHubToken { get; init; }

    /// <summary>Where this recipe's sources, builds and stage records live.</summary>
    public string RecipeWorkDirectory => Path.Combine(WorkDirectory.Value, Recipe.Name);

    /// <param name="argument">The command-line argument of that name, or null.</param>
    /// <param name="environment">The environment variable of that name, or null.</param>
    public static BuildSettings Resolve(Func<string, string?> argument, Func<string, string?> environment)
    {
        (string? Value, SettingOrigin Origin) Lookup(string name)
        {
            var fromArgument = argument(name);
            if (fromArgument is not null)
            {
                return (fromArgument, SettingOrigin.Argument);
            }

            var variable = "SNAPBUILD_" + name.Replace('-', '_').ToUpperInvariant();
            var fromEnvironment = environment(variable);

            return string.IsNullOrEmpty(fromEnvironment) ? (null, SettingOrigin.Default) : (fromEnvironment, SettingOrigin.Environment);
        }

        Setting<string> Text(string name, string fallback)
        {
            var (value, origin) = Lookup(name);
            if (value is { Length: 0 } || value == "true" && origin == SettingOrigin.Argument)
            {
                throw new UsageException($"--{name} needs a value, as in --{name}=VALUE.");
            }

            return new Setting<string>(name, value ?? fallback, origin);
        }

        Setting<bool> Flag(string name)
        {
            var (value, origin) = Lookup(name);

            return value switch
            {
                null => new Setting<bool>(name, false, SettingOrigin.Default),
                "true" or "1" or "yes" or "" => new Setting<bool>(name, true, origin),
                "false" or "0" or "no" => new Setting<bool>(name, false, origin),
                _ => throw new UsageException($"--{name} takes true or false, not '{value}'."),
            };
        }

        var recipePath = Text("recipe", "recipes/mysql.yaml");
        var recipe = RecipeLoader.Load(recipePath.Value);

        var (archValue, archOrigin) = Lookup("arch");
        Setting<IReadOnlyList<string>> architectures;
        if (archValue is null)
        {
            architectures = new(nameof(Architectures), recipe.Architectures, SettingOrigin.Recipe);
        }
        else
        {
            var list = archValue.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var architecture in list)
            {
                if (!RecipeLoader.KnownArchitectures.Contains(architecture))
                {
                    throw new UsageException(
                        $"Unknown architecture '{architecture}' in --arch"
                        + $"{Suggestions.DidYouMean(architecture, RecipeLoader.KnownArchitectures)}"
                        + $" (known: {string.Join(", ", RecipeLoader.KnownArchitectures)}).");
                }
            }

            if (list.Length == 0)
            {
                throw new UsageException("--arch needs at least one architecture, as in --arch=amd64,arm64.");
            }

            architectures = new("arch", list, archOrigin);
        }

        var (upstreamValue, upstreamOrigin) = Lookup("upstream-url");
        var (jobsValue, jobsOrigin) = Lookup("jobs");
        int? jobs = null;
        if (jobsValue is not null)
        {
            jobs = int.TryParse(jobsValue, out var n) && n > 0
                ? n
                : throw new UsageException($"--jobs takes a positive number, not '{jobsValue}'.");
        }

        var cache = Text("cache-dir", Sources.CacheLayout.DefaultRoot());
        var (waitValue, waitOrigin) = Lookup("lock-wait");
        var wait = 0;
        if (waitValue is not null && (!int.TryParse(waitValue, out wait) || wait < 0))
        {
            throw new UsageException($"--lock-wait takes a number of seconds, not '{waitValue}'.");
        }

        var apiUrl = Text("github-api-url", "https://api.github.com");
        if (!Uri.TryCreate(apiUrl.Value, UriKind.Absolute, out var apiUri) || apiUri.Scheme is not ("http" or "https"))
        {
            throw new UsageException(
                $"--github-api-url takes an http or https URL such as https://github.example.com/api/v3, not '{apiUrl.Value}'.");
        }

        Setting<T> Choice<T>(string name, IReadOnlyList<string> names, Func<string, T?> parse, T? inRecipe, T fallback)
            where T : struct
        {
            var (value, origin) = Lookup(name);
            if (value is null)
            {
                return inRecipe is { } chosen
                    ? new Setting<T>(name, chosen, SettingOrigin.Recipe)
                    : new Setting<T>(name, fallback, SettingOrigin.Default);
            }

            var hint = Suggestions.DidYouMean(value, names);

            return parse(value) is { } parsed
                ? new Setting<T>(name, parsed, origin)
                : throw new UsageException(
                    $"--{name} takes {string.Join(" or ", names)}, not '{value}'{(hint.Length > 0 ? hint : ".")}");
        }

        var partForm = Choice(
            "part-form", PartForms.Names, PartForms.Parse, recipe.Snap.Form, Snapcraft.PartForm.Source);
        var snapBase = Choice("base", SnapBases.Names, SnapBases.Parse, recipe.Snap.Base, SnapBase.Core24);
        var snapcraftYaml = Text("snapcraft-yaml", string.Empty);

        var token = environment("GITHUB_TOKEN");
        var (revisionValue, revisionOrigin) = Lookup("snap-revision");
        int? revision = null;
        if (revisionValue is not null)
        {
            revision = int.TryParse(revisionValue, out var r) && r > 0
                ? r
                : throw new UsageException($"--snap-revision takes a positive number, not '{revisionValue}'.");
        }

        return new BuildSettings
        {
            RecipePath = recipePath,
            Recipe = recipe,
            Architectures = architectures with { Name = "arch" },
            UpstreamUrl = new Setting<string?>("upstream-url", upstreamValue, upstreamOrigin),
            WorkDirectory = Full(Text("work-dir", ".work")),
            CacheDirectory = Full(cache),
            ArtifactsDirectory = Full(Text("artifacts-dir", "artifacts")),
            Offline = Flag("offline"),
            Locked = Flag("locked"),
            Jobs = new Setting<int?>("jobs", jobs, jobsOrigin),
            LockWait = new Setting<int>("lock-wait", wait, waitValue is null ? SettingOrigin.Default : waitOrigin),
            GitHubApiUrl = new Setting<Uri>("github-api-url", apiUri, apiUrl.Origin),
            PartForm = partForm,
            Base = snapBase,
            SnapcraftYaml = new Setting<string?>(
                "snapcraft-yaml",
                snapcraftYaml.Value.Length == 0 ? null : Path.GetFullPath(snapcraftYaml.Value),
                snapcraftYaml.Origin),
            SnapRevision = new Setting<int?>("snap-revision", revision, revisionOrigin),
            UpdateRecipe = Flag("update-recipe"),
            GitHubToken = new Setting<string?>(
                "github-token",
                string.IsNullOrEmpty(token) ? null : token,
                string.IsNullOrEmpty(token) ? SettingOrigin.Default : SettingOrigin.Environment,
                Secret: true),
        };
    }

    /// <summary>The resolved settings in aligned columns: name, value, origin.</summary>
    public string Describe()
    {
        var rows = new List<(string Name, string Value, SettingOrigin Origin)>
        {
            ("recipe", RecipePath.Value, RecipePath.Origin),
            ("arch", string.Join(",", Architectures.Value), Architectures.Origin),
            ("upstream-url", UpstreamUrl.Value ?? "(the recipe's sources)", UpstreamUrl.Origin),
            ("work-dir", WorkDirectory.Value, WorkDirectory.Origin),
            ("cache-dir", CacheDirectory.Value, CacheDirectory.Origin),
            ("artifacts-dir", ArtifactsDirectory.Value, ArtifactsDirectory.Origin),
            ("offline", Offline.Value ? "yes" : "no", Offline.Origin),
            ("locked", Locked.Value ? "yes" : "no", Locked.Origin),
            ("jobs", Jobs.Value?.ToString() ?? $"{Pipeline.BuildPipeline.DefaultJobs()} (from the machine)", Jobs.Origin),
            ("lock-wait", $"{LockWait.Value} s", LockWait.Origin),
            ("github-api-url", GitHubApiUrl.Value.ToString(), GitHubApiUrl.Origin),
            ("part-form", PartForm.Value.Name(), PartForm.Origin),
            ("base", Base.Value.Name(), Base.Origin),
            ("snapcraft-yaml", SnapcraftYaml.Value ?? "none (only the snippet)", SnapcraftYaml.Origin),
            ("update-recipe", UpdateRecipe.Value ? "yes" : "no", UpdateRecipe.Origin),
            ("snap-revision", SnapRevision.Value?.ToString() ?? "(from a release tag on HEAD)", SnapRevision.Origin),
            ("github-token", GitHubToken.Value is null ? "none (anonymous)" : "set (GITHUB_TOKEN, not shown)", GitHubToken.Origin),
        };
        var nameWidth = rows.Max(r => r.Name.Length);
        var valueWidth = rows.Max(r => r.Value.Length);
        var text = new StringBuilder();
        foreach (var (name, value, origin) in rows)
        {
            text.Append(name.PadRight(nameWidth + 2))
                .Append(value.PadRight(valueWidth + 2))
                .Append(origin.ToString().ToLowerInvariant())
                .Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// The same settings for a trial of the recipe at another tag (Nightly): that recipe, built
    /// for <paramref name="architectures"/> in its own work directory, from one git remote, so that
    /// the trial never touches the pinned build or the lock.
    /// </summary>
    public BuildSettings ForTrial(Recipe recipe, string workDirectory, string upstreamUrl, IReadOnlyList<string> architectures) =>
        new()
        {
            RecipePath = RecipePath,
            Recipe = recipe,
            Architectures = Architectures with { Value = architectures },
            UpstreamUrl = UpstreamUrl with { Value = upstreamUrl },
            WorkDirectory = WorkDirectory with { Value = workDirectory },
            CacheDirectory = CacheDirectory,
            ArtifactsDirectory = ArtifactsDirectory,
            Offline = Offline,
            Locked = Locked with { Value = false },
            Jobs = Jobs,
            LockWait = LockWait,
            GitHubApiUrl = GitHubApiUrl,
            GitHubToken = GitHubToken,
            SnapRevision = SnapRevision,
            UpdateRecipe = UpdateRecipe,
            PartForm = PartForm,
            Base = Base,
            SnapcraftYaml = SnapcraftYaml with { Value = null },
        };

    private static Setting<string> Full(Setting<string> setting) =>
        setting with { Value = Path.GetFullPath(setting.Value) };
}
