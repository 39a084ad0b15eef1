using System.Text.RegularExpressions;
using SnapBuild.Common;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Recipes;

/// <summary>
/// Reads and validates a recipe. Every problem is a <see cref="UsageException"/> whose message
/// starts with <c>file:line:column</c> and says what to write instead.
/// </summary>
public static partial class RecipeLoader
{
    /// <summary>Architectures the pipeline knows, by their snap and Debian names.</summary>
    public static readonly IReadOnlyList<string> KnownArchitectures = Toolchains.Architecture.Names;

    private static readonly string[] SourceKinds = ["git", "tarball", "debian"];

    /// <summary>Where the recipe sets what the build writes into the part itself.</summary>
    private static readonly Dictionary<string, string> WrittenFrom = new(StringComparer.Ordinal)
    {
        ["plugin"] = "'snap.form'",
        ["source"] = "'upstream.sources'",
        ["source-tag"] = "'upstream.tag'",
        ["override-pull"] = "the patch series",
        ["override-build"] = "'build.targets' and 'build.install-components'",
        ["cmake-parameters"] = "'build.options'",
        ["build-environment"] = "'build.arch-options'",
        ["build-packages"] = "'snap.build-packages'",
        ["stage-packages"] = "'snap.stage-packages'",
        ["stage"] = "'snap.stage'",
        ["prime"] = "'snap.prime'",
    };

    public static Recipe Load(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new UsageException(
                $"The recipe {path} does not exist; pass --recipe=PATH with a file from recipes/.");
        }

        var text = File.ReadAllText(full);
        var relative = System.IO.Path.GetRelativePath(Directory.GetCurrentDirectory(), full);
        var display = relative.StartsWith("..", StringComparison.Ordinal) ? full : relative;
        var root = YamlMapping.Load(display, text);

        var name = root.RequiredString("name");
        if (!NamePattern().IsMatch(name))
        {
            throw YamlMapping.Error(display, root.NodeOf("name"),
                $"the recipe name '{name}' must be lower-case letters, digits and dashes");
        }

        var recipeDirectory = System.IO.Path.GetDirectoryName(full)!;
        var projectRoot = System.IO.Path.GetDirectoryName(recipeDirectory)!;
        var upstream = ReadUpstream(root.RequiredMapping("upstream"), projectRoot);
        var patches = ReadPatches(root.OptionalMapping("patches"), projectRoot, name);
        var architectures = ReadArchitectures(root);
        var build = ReadBuild(root.OptionalMapping("build"));
        var snap = ReadSnap(root.OptionalMapping("snap"), name);
        var verify = ReadVerify(root.OptionalMapping("verify"));
        root.Allow("description");
        root.RejectUnknownKeys();

        return new Recipe
        {
            Name = name,
            Path = full,
            Sha256 = Hashing.Sha256OfText(text),
            Upstream = upstream,
            Patches = patches,
            Build = build,
            Architectures = architectures,
            Snap = snap,
            Verify = verify,
        };
    }

    private static VerifySpec? ReadVerify(YamlMapping? verify)
    {
        if (verify is null)
        {
            return null;
        }

        var start = verify.StringList("start");
        if (start.Count == 0)
        {
            throw YamlMapping.Error(verify.File, verify.NodeOf("start"),
                "'verify.start' needs the command to run, as a list of arguments");
        }

        var timeout = verify.OptionalString("timeout") ?? "120";
        var spec = new VerifySpec
        {
            Setup = verify.StringList("setup"),
            Start = start,
            Ready = verify.OptionalString("ready"),
            Check = verify.StringList("check"),
            Expect = verify.OptionalString("expect"),
            Stop = verify.StringList("stop"),
            TimeoutSeconds = int.TryParse(timeout, out var seconds) && seconds > 0
                ? seconds
                : throw YamlMapping.Error(verify.File, verify.NodeOf("timeout"),
                    $"'verify.timeout' must be a number of seconds, not '{timeout}'"),
        };
        verify.RejectUnknownKeys();
        if (spec.Ready is not null && spec.Stop.Count == 0)
        {
            throw YamlMapping.Error(verify.File, verify.NodeOf("ready"),
                "a server started with 'verify.ready' also needs 'verify.stop' to shut it down");
        }

        return spec;
    }

    private static UpstreamSpec ReadUpstream(YamlMapping upstream, string projectRoot)
    {
        var tag = upstream.RequiredString("tag");
        var github = upstream.OptionalString("github");
        var track = upstream.OptionalString("track");
        var key = upstream.OptionalString("signing-key");
        var fingerprint = upstream.OptionalString("signing-fingerprint");
        if ((key is null) != (fingerprint is null))
        {
            throw YamlMapping.Error(upstream.File, upstream.NodeOf(key is null ? "signing-fingerprint" : "signing-key"),
                "'upstream.signing-key' and 'upstream.signing-fingerprint' go together; give both or neither");
        }

        if (fingerprint is not null && !FingerprintPattern().IsMatch(Sources.SignatureVerifier.Normalise(fingerprint)))
        {
            throw YamlMapping.Error(upstream.File, upstream.NodeOf("signing-fingerprint"),
                $"'upstream.signing-fingerprint' must be the key's 40 hex digits, not '{fingerprint}'");
        }

        var keyPath = key is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(projectRoot, key));
        if (keyPath is not null && !File.Exists(keyPath))
        {
            throw YamlMapping.Error(upstream.File, upstream.NodeOf("signing-key"),
                $"the signing key {key} does not exist (paths are relative to {projectRoot})");
        }

        upstream.Allow("sources");
        upstream.RejectUnknownKeys();
        var sources = upstream.MappingList("sources").Select(ReadSource).ToList();
        if (sources.Count == 0)
        {
            throw YamlMapping.Error(upstream.File, upstream.NodeOf("sources"),
                "'upstream.sources' needs at least one source (git, tarball or debian)");
        }

        var spec = new UpstreamSpec
        {
            Tag = tag,
            Sources = sources,
            GitHub = github,
            Track = track,
            SigningKey = keyPath,
            SigningFingerprint = fingerprint is null ? null : Sources.SignatureVerifier.Normalise(fingerprint),
        };

        return spec;
    }

    private static SourceSpec ReadSource(YamlMapping source)
    {
        var kinds = SourceKinds.Where(k => source.Keys.Contains(k)).ToList();
        if (kinds.Count != 1)
        {
            throw YamlMapping.Error(source.File, source.NodeOf("git"),
                $"'{source.Context}' must name exactly one of git, tarball or debian"
                + (kinds.Count > 1 ? $", not {string.Join(" and ", kinds)}" : string.Empty));
        }

        SourceSpec spec = kinds[0] switch
        {
            "git" => new GitSourceSpec { Url = source.RequiredString("git"), Location = source.Here },
            "tarball" => new TarballSourceSpec
            {
                Url = source.RequiredString("tarball"),
                Sha256 = ReadSha256(source),
                Signature = source.OptionalString("signature"),
                Location = source.Here,
            },
            _ => new DebianSourceSpec
            {
                Package = source.RequiredString("debian"),
                Version = source.RequiredString("version"),
                Sha256 = ReadSha256(source),
                Suite = source.OptionalString("suite") ?? "sid",
                Location = source.Here,
            },
        };
        source.RejectUnknownKeys();

        return spec;
    }

    private static string ReadSha256(YamlMapping source)
    {
        var value = source.RequiredString("sha256");
        if (!Sha256Pattern().IsMatch(value))
        {
            throw YamlMapping.Error(source.File, source.NodeOf("sha256"),
                $"'{source.Qualified("sha256")}' must be 64 lower-case hex digits, not '{value}'");
        }

        return value;
    }

    private static PatchesSpec ReadPatches(YamlMapping? patches, string projectRoot, string name)
    {
        var series = patches?.OptionalString("series") ?? $"patches/{name}/series";
        var spec = new PatchesSpec
        {
            Series = System.IO.Path.GetFullPath(System.IO.Path.Combine(projectRoot, series)),
            AllowBinary = patches?.OptionalBool("allow-binary", false) ?? false,
        };
        patches?.RejectUnknownKeys();

        return spec;
    }

    private static List<string> ReadArchitectures(YamlMapping root)
    {
        var architectures = root.StringList("architectures").ToList();
        if (architectures.Count == 0)
        {
            architectures.Add("amd64");
        }

        foreach (var architecture in architectures)
        {
            CheckArchitecture(architecture, root.File, root.NodeOf("architectures"));
        }

        return architectures;
    }

    private static void CheckArchitecture(string architecture, string file, YamlNode at)
    {
        if (!KnownArchitectures.Contains(architecture))
        {
            throw YamlMapping.Error(file, at,
                $"unknown architecture '{architecture}'{Suggestions.DidYouMean(architecture, KnownArchitectures)}"
                + $" (known: {string.Join(", ", KnownArchitectures)})");
        }
    }

    private static BuildSpec ReadBuild(YamlMapping? build)
    {
        var archOptions = new Dictionary<string, IReadOnlyList<KeyValuePair<string, string>>>();
        var perArch = build?.OptionalMapping("arch-options");
        if (perArch is not null)
        {
            perArch.ClaimAll();
            foreach (var architecture in perArch.Keys)
            {
                CheckArchitecture(architecture, perArch.File, perArch.NodeOf(architecture));
                archOptions[architecture] = perArch.RequiredMapping(architecture).AsPairs();
            }
        }

        var archPackages = new Dictionary<string, IReadOnlyList<string>>();
        var perArchPackages = build?.OptionalMapping("arch-packages");
        if (perArchPackages is not null)
        {
            perArchPackages.ClaimAll();
            foreach (var architecture in perArchPackages.Keys)
            {
                CheckArchitecture(architecture, perArchPackages.File, perArchPackages.NodeOf(architecture));
                archPackages[architecture] = perArchPackages.StringList(architecture);
            }
        }

        HostToolsSpec? hostTools = null;
        if (build?.OptionalMapping("host-tools") is { } tools)
        {
            var targets = tools.StringList("targets");
            if (targets.Count == 0)
            {
                throw YamlMapping.Error(tools.File, tools.NodeOf("targets"), "'build.host-tools.targets' needs at least one target");
            }

            hostTools = new HostToolsSpec
            {
                Targets = targets,
                Directory = tools.OptionalString("directory") ?? ".",
                Options = tools.OptionalMapping("options")?.AsPairs() ?? [],
            };
            tools.RejectUnknownKeys();
        }

        var spec = new BuildSpec
        {
            HostTools = hostTools,
            Packages = build?.StringList("packages") ?? [],
            Smoke = build?.StringList("smoke") ?? [],
            ArchPackages = archPackages,
            Options = build?.OptionalMapping("options")?.AsPairs() ?? [],
            ArchOptions = archOptions,
            Targets = build?.StringList("targets") ?? [],
            InstallComponents = build?.StringList("install-components") ?? [],
            Prefix = build?.OptionalString("prefix") ?? "/usr",
        };
        build?.RejectUnknownKeys();

        return spec;
    }

    private static SnapSpec ReadSnap(YamlMapping? snap, string name)
    {
        if (snap is null)
        {
            return new SnapSpec
            {
                Part = name,
                PatchesPart = name + "-patches",
                BuildPackages = [],
                StagePackages = [],
                Stage = [],
                Prime = [],
            };
        }

        var part = ReadPartName(snap, "part") ?? name;
        var patchesPart = ReadPartName(snap, "patches-part") ?? part + "-patches";
        if (patchesPart == part)
        {
            throw YamlMapping.Error(snap.File, snap.NodeOf("patches-part"),
                $"'snap.patches-part' and 'snap.part' are both '{part}'; give the patches part a name of its own");
        }

        var spec = new SnapSpec
        {
            Part = part,
            PatchesPart = patchesPart,
            Form = ReadChoice(snap, "form", Snapcraft.PartForms.Names, Snapcraft.PartForms.Parse),
            Base = ReadChoice(snap, "base", Snapcraft.SnapBases.Names, Snapcraft.SnapBases.Parse),
            BuildPackages = snap.StringList("build-packages"),
            StagePackages = snap.StringList("stage-packages"),
            Stage = ReadFilters(snap, "stage"),
            Prime = ReadFilters(snap, "prime"),
            Extra = ReadExtraKeys(snap.OptionalMapping("extra")),
        };
        snap.RejectUnknownKeys();

        return spec;
    }

    /// <summary>A part name as snapcraft accepts it: lower-case letters, digits, '+' and '-'.</summary>
    private static string? ReadPartName(YamlMapping snap, string key)
    {
        var value = snap.OptionalString(key);
        if (value is not null && (!PartNamePattern().IsMatch(value) || value == "plugins"))
        {
            throw YamlMapping.Error(snap.File, snap.NodeOf(key),
                $"'snap.{key}' is '{value}', which is not a snapcraft part name; use lower-case letters, digits, "
                + "'+' and '-', starting with a letter or digit");
        }

        return value;
    }

    private static T? ReadChoice<T>(YamlMapping snap, string key, IReadOnlyList<string> names, Func<string, T?> parse)
        where T : struct
    {
        var value = snap.OptionalString(key);
        if (value is null)
        {
            return null;
        }

        return parse(value) ?? throw YamlMapping.Error(snap.File, snap.NodeOf(key),
            $"'snap.{key}' is '{value}'{Suggestions.DidYouMean(value, names)} (known: {string.Join(", ", names)})");
    }

    /// <summary>
    /// Stage and prime filters are paths in the part's install tree, optionally starting with '-'
    /// to leave them out; craft-parts refuses absolute ones and ones that leave the tree.
    /// </summary>
    private static List<string> ReadFilters(YamlMapping snap, string key)
    {
        var filters = new List<string>();
        foreach (var (filter, node) in snap.StringItems(key))
        {
            var path = filter.StartsWith('-') ? filter[1..] : filter;
            if (path.Length == 0 || path.StartsWith('/') || path.Split('/').Contains(".."))
            {
                throw YamlMapping.Error(snap.File, node,
                    $"'snap.{key}' has the filter '{filter}'; a filter is a path relative to the part's install tree, "
                    + "optionally starting with '-' to leave it out, and cannot be absolute or contain '..'");
            }

            filters.Add(filter);
        }

        return filters;
    }

    /// <summary>
    /// Keys the recipe adds to the part as they are (<c>build-snaps</c>, <c>organize</c>, ...). Each
    /// must be a key craft-parts accepts, and not one the build writes itself from the recipe.
    /// </summary>
    private static List<KeyValuePair<string, YamlNode>> ReadExtraKeys(YamlMapping? extra)
    {
        var keys = new List<KeyValuePair<string, YamlNode>>();
        foreach (var (key, keyNode, value) in extra?.Entries() ?? [])
        {
            if (Snapcraft.PartKeys.Written.Contains(key))
            {
                var instead = WrittenFrom.GetValueOrDefault(key, "the recipe's other sections");
                throw YamlMapping.Error(extra!.File, keyNode,
                    $"'snap.extra.{key}' is a key the build writes itself, from {instead}; set it there instead");
            }

            if (!Snapcraft.PartKeys.Any.Contains(key))
            {
                throw YamlMapping.Error(extra!.File, keyNode,
                    $"'snap.extra' has the key '{key}', which craft-parts does not accept for a part"
                    + Suggestions.DidYouMean(key, Snapcraft.PartKeys.Any));
            }

            if (value is YamlScalarNode { Value: null or "" })
            {
                throw YamlMapping.Error(extra!.File, keyNode, $"'snap.extra.{key}' needs a value");
            }

            keys.Add(new(key, value));
        }

        return keys;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9+-]*$")]
    private static partial Regex PartNamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9A-F]{40}$")]
    private static partial Regex FingerprintPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
