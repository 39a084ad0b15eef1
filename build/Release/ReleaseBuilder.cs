using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using SnapBuild.Common;
using SnapBuild.Patches;
using SnapBuild.Pipeline;
using SnapBuild.Settings;
using SnapBuild.Sources;
using SnapBuild.Stages;
using SnapBuild.Upstream;

namespace SnapBuild.Release;

/// <summary>What one architecture's packed artifact was made from, kept beside it as JSON.</summary>
public sealed record ArtifactRecord
{
    public required string Architecture { get; init; }

    public required string File { get; init; }

    public required string Version { get; init; }

    public required string Tag { get; init; }

    public required string Commit { get; init; }

    public required string Source { get; init; }

    public required string SeriesSha256 { get; init; }

    public required string RecipeSha256 { get; init; }

    public required string Toolchain { get; init; }

    public required long SourceDateEpoch { get; init; }
}

/// <summary>
/// The artifact records' JSON, generated at compile time (the Native AOT host has no
/// reflection-based JSON).
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ArtifactRecord))]
internal sealed partial class ArtifactJson : JsonSerializerContext;

/// <summary>
/// Cuts a release: each architecture's staged tree packed as a reproducible tarball with a record
/// of its inputs (<see cref="Package"/>, which a matrix job runs per architecture), then
/// <see cref="Assemble"/> on a clean checkout with a matching lock: <c>SHA256SUMS</c> and a
/// provenance manifest over every architecture's tarball. The same inputs give the same bytes.
/// </summary>
public sealed partial class ReleaseBuilder
{
    private readonly BuildSettings settings;
    private readonly IBuildLog log;
    private readonly CancellationToken cancellationToken;
    private readonly WorkLayout layout;
    private readonly StageStore stages;

    public ReleaseBuilder(BuildSettings settings, IBuildLog log, CancellationToken cancellationToken)
    {
        this.settings = settings;
        this.log = log;
        this.cancellationToken = cancellationToken;
        layout = new WorkLayout(settings.RecipeWorkDirectory);
        stages = new StageStore(layout.Stages, log);
    }

    /// <summary><c>artifacts/release/</c>: the tarballs, their records, SHA256SUMS and the manifest.</summary>
    public string Directory => Path.Combine(settings.ArtifactsDirectory.Value, "release");

    private Recipes.Recipe Recipe => settings.Recipe;

    /// <summary><c>9.7.2</c> for <c>mysql-9.7.2</c>: the pinned tag read as a version of its family.</summary>
    public static string UpstreamVersion(string tag) =>
        new ReleaseLine(UpstreamChecker.DefaultTrack(tag)).Parse(tag)?.Version ?? tag;

    /// <summary>The release version, <c>&lt;upstream&gt;+snap&lt;N&gt;</c>.</summary>
    public string Version(int? revision)
    {
        var upstream = UpstreamVersion(Recipe.Upstream.Tag);
        var n = revision ?? RevisionFromTag(upstream) ?? throw new UsageException(
            $"A release needs its snap revision: tag this commit '{upstream}+snapN' (e.g. 'v{upstream}+snap1') "
            + "or pass --snap-revision=N.");

        return $"{upstream}+snap{n.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Packs one architecture's staged tree and writes the record beside it.</summary>
    public ArtifactRecord Package(string architecture, int? revision)
    {
        var version = Version(revision);
        var clone = stages.Read("clone") ?? throw new BuildException(
            $"Nothing is cloned in {layout.Source}; run --target=Build --arch={architecture} before packing it.");
        var build = stages.Read($"build-{architecture}") ?? throw new BuildException(
            $"{architecture} is not built in {layout.StageFor(architecture)}; run --target=Build --arch={architecture} first.");
        var commit = clone.Outputs["commit"];
        var epoch = SourceDateEpoch(commit);
        var file = $"{Recipe.Name}_{version}_{architecture}.tar.gz";
        var path = Path.Combine(Directory, file);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ReproducibleTarball.Write(layout.StageFor(architecture), path, DateTimeOffset.FromUnixTimeSeconds(epoch));
        var record = new ArtifactRecord
        {
            Architecture = architecture,
            File = file,
            Version = version,
            Tag = Recipe.Upstream.Tag,
            Commit = commit,
            Source = clone.Outputs.GetValueOrDefault("source") ?? "unknown",
            SeriesSha256 = SeriesFile.Read(Recipe.Patches.Series).Hash(),
            RecipeSha256 = Recipe.Sha256,
            Toolchain = build.Outputs.GetValueOrDefault("toolchain") ?? "not recorded",
            SourceDateEpoch = epoch,
        };
        AtomicFile.WriteAllText(
            path + ".json", JsonSerializer.Serialize(record, ArtifactJson.Default.ArtifactRecord) + "\n");
        log.Information(
            $"Package {architecture}: {path} ({new FileInfo(path).Length / 1048576.0:F1} MiB, "
            + $"{clock.Elapsed.TotalSeconds:F1} s, mtimes {DateTimeOffset.FromUnixTimeSeconds(epoch):yyyy-MM-dd HH:mm:ss} UTC)");

        return record;
    }

    /// <summary>What a release needs before hours of building: a version, a clean checkout and a lock.</summary>
    public string Preflight(int? revision)
    {
        var version = Version(revision);
        RequireCleanTree();
        _ = LockFile.Read(Recipe.LockPath, Recipe.Upstream.Tag) ?? throw new BuildException(
            $"A release needs the lock {Recipe.LockPath}; run --target=Lock and commit it.");
        log.Information($"Release {version}: the checkout is clean and {Path.GetFileName(Recipe.LockPath)} pins the release");

        return version;
    }

    /// <summary>
    /// Checks the checkout is clean and the lock pins what every tarball was built from, then
    /// writes SHA256SUMS and the provenance manifest over the architectures' tarballs.
    /// </summary>
    public string Assemble(int? revision)
    {
        var version = Version(revision);
        RequireCleanTree();
        var records = settings.Architectures.Value.Select(a => ReadRecord(a, version)).ToList();
        var lockFile = LockFile.Read(Recipe.LockPath, Recipe.Upstream.Tag) ?? throw new BuildException(
            $"A release needs the lock {Recipe.LockPath}; run --target=Lock and commit it.");
        var series = SeriesFile.Read(Recipe.Patches.Series);
        foreach (var record in records)
        {
            if (lockFile.Sources.All(s => s.Commit != record.Commit))
            {
                throw new BuildException(
                    $"{record.File} was built from {record.Commit[..12]}, which {Recipe.LockPath} does not pin; "
                    + "rebuild it from the locked release.");
            }

            if (record.SeriesSha256 != series.Hash() || record.RecipeSha256 != Recipe.Sha256)
            {
                throw new BuildException(
                    $"{record.File} was built from another recipe or patch series than this checkout's; "
                    + $"run --target=Package --arch={record.Architecture} again.");
            }
        }

        var sums = new StringBuilder();
        var artifacts = new JsonArray();
        foreach (var record in records.OrderBy(r => r.File, StringComparer.Ordinal))
        {
            var path = Path.Combine(Directory, record.File);
            var sha = Hashing.Sha256OfFile(path);
            sums.Append(sha).Append("  ").Append(record.File).Append('\n');
            artifacts.Add((JsonNode)new JsonObject
            {
                ["file"] = record.File,
                ["architecture"] = record.Architecture,
                ["sha256"] = sha,
                ["size"] = new FileInfo(path).Length,
                ["toolchain"] = record.Toolchain,
            });
        }

        var first = records[0];
        var manifest = new JsonObject
        {
            ["name"] = Recipe.Name,
            ["version"] = version,
            ["upstream"] = new JsonObject
            {
                ["urls"] = new JsonArray([.. Recipe.Upstream.Sources.Select(s => (JsonNode)JsonValue.Create(s.Describe())!)]),
                ["built_from"] = first.Source,
                ["tag"] = first.Tag,
                ["commit"] = first.Commit,
            },
            ["patches"] = new JsonArray([.. series.Entries.Select(e => (JsonNode)new JsonObject
            {
                ["name"] = e.Name,
                ["strip"] = e.StripLevel,
                ["sha256"] = Hashing.Sha256OfFile(e.Path),
            })]),
            ["recipe"] = new JsonObject
            {
                ["file"] = Path.GetFileName(Recipe.Path),
                ["sha256"] = Recipe.Sha256,
                ["lock_sha256"] = Hashing.Sha256OfFile(Recipe.LockPath),
            },
            ["source_date_epoch"] = first.SourceDateEpoch,
            ["artifacts"] = artifacts,
        };
        // The prebuilt part over the release's own tarballs, which sit beside it.
        var part = Snapcraft.PartWriter.Write(new Snapcraft.PartInputs
        {
            Recipe = Recipe,
            Form = Snapcraft.PartForm.Prebuilt,
            Base = settings.Base.Value,
            Architectures = [.. records.Select(r => r.Architecture)],
            StagedTrees = records.ToDictionary(r => r.Architecture, r => r.File),
            BuildHost = Toolchains.Architecture.Host.Name,
            PrebuiltSourceType = "tar",
        });
        var partPath = Path.Combine(Directory, $"{Recipe.Snap.Part}.snapcraft.yaml");
        AtomicFile.WriteAllText(partPath, part.Snippet);
        manifest["part"] = new JsonObject { ["file"] = Path.GetFileName(partPath), ["sha256"] = Hashing.Sha256OfText(part.Snippet) };
        AtomicFile.WriteAllText(Path.Combine(Directory, "SHA256SUMS"), sums.ToString());
        var manifestPath = Path.Combine(Directory, "provenance.json");
        AtomicFile.WriteAllText(manifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        log.Information($"Release {version}: {records.Count} artifacts, SHA256SUMS and {manifestPath}");

        return version;
    }

    private ArtifactRecord ReadRecord(string architecture, string version)
    {
        var file = $"{Recipe.Name}_{version}_{architecture}.tar.gz";
        var path = Path.Combine(Directory, file + ".json");
        if (!File.Exists(path) || !File.Exists(Path.Combine(Directory, file)))
        {
            throw new BuildException(
                $"The release has no {architecture} artifact {Path.Combine(Directory, file)}; "
                + $"run --target=Package --arch={architecture} (or put that job's artifacts there).");
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ArtifactJson.Default.ArtifactRecord)
                ?? throw new JsonException("empty");
        }
        catch (JsonException exception)
        {
            throw new BuildException($"{path} is not an artifact record ({exception.Message}); run --target=Package again.", exception);
        }
    }

    /// <summary><c>SOURCE_DATE_EPOCH</c> when set, else the pinned upstream commit's time.</summary>
    private long SourceDateEpoch(string commit)
    {
        if (Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH") is { Length: > 0 } text)
        {
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new UsageException($"SOURCE_DATE_EPOCH must be seconds since 1970, not '{text}'.");
        }

        var output = new Git(layout.Source, cancellationToken).Run("show", "-s", "--format=%ct", commit);

        return long.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    private Git ProjectGit() => new(Path.GetDirectoryName(Recipe.Path)!, cancellationToken);

    private int? RevisionFromTag(string upstream)
    {
        var result = ProjectGit().TryRun("tag", "--points-at", "HEAD");
        if (result.ExitCode != 0)
        {
            return null;
        }

        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => ReleaseTag().Match(t))
            .Where(m => m.Success && m.Groups["version"].Value == upstream)
            .Select(m => (int?)int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture))
            .Max();
    }

    /// <summary>A release runs from committed files only: the recipe, the lock and the series are what the manifest names.</summary>
    private void RequireCleanTree()
    {
        var git = ProjectGit();
        var top = git.TryRun("rev-parse", "--show-toplevel");
        if (top.ExitCode != 0)
        {
            throw new BuildException($"A release runs from a git checkout; {Path.GetDirectoryName(Recipe.Path)} is not in one.");
        }

        var root = top.StandardOutput.Trim();
        var ignored = new[] { settings.WorkDirectory.Value, settings.ArtifactsDirectory.Value, settings.CacheDirectory.Value };
        var dirty = git.Run("status", "--porcelain", "--untracked-files=all")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l[3..].Trim('"'))
            .Where(p => !ignored.Any(i => Path.GetFullPath(Path.Combine(root, p)).StartsWith(i + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            .ToList();
        if (dirty.Count > 0)
        {
            throw new BuildException(
                $"A release runs from a clean checkout, but {root} has uncommitted changes ({string.Join(", ", dirty.Take(5))}"
                + (dirty.Count > 5 ? $" and {dirty.Count - 5} more" : string.Empty) + "); commit or stash them.");
        }
    }

    [GeneratedRegex(@"^(?:[A-Za-z._-]*?)v?(?<version>[0-9]+(?:\.[0-9]+)*)\+snap(?<n>[0-9]{1,6})$")]
    private static partial Regex ReleaseTag();
}
