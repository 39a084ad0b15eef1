namespace SnapBuild.Recipes;

/// <summary>
/// Everything the pipeline knows about one upstream: where its release comes from, the patch
/// series, how to build it, for which architectures, and how the snap part looks. Loaded from a
/// YAML file in <c>recipes/</c> by <see cref="RecipeLoader"/>; nothing upstream-specific lives
/// in code.
/// </summary>
public sealed record Recipe
{
    /// <summary>Short name: names the work directory, the lock and the default patch folder.</summary>
    public required string Name { get; init; }

    /// <summary>Full path of the recipe file it was loaded from.</summary>
    public required string Path { get; init; }

    /// <summary>SHA-256 of the recipe file's bytes.</summary>
    public required string Sha256 { get; init; }

    public required UpstreamSpec Upstream { get; init; }

    public required PatchesSpec Patches { get; init; }

    public required BuildSpec Build { get; init; }

    public required IReadOnlyList<string> Architectures { get; init; }

    public required SnapSpec Snap { get; init; }

    /// <summary>How Verify exercises the patched path under seccomp; null when the recipe has none.</summary>
    public VerifySpec? Verify { get; init; }

    /// <summary>The lock file beside the recipe: <c>recipes/&lt;name&gt;.lock</c>.</summary>
    public string LockPath =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, Name + ".lock");
}

/// <summary>The release to build and the ordered sources that can serve it.</summary>
public sealed record UpstreamSpec
{
    /// <summary>The release tag. Every source resolves to a commit under this tag.</summary>
    public required string Tag { get; init; }

    public required IReadOnlyList<SourceSpec> Sources { get; init; }

    /// <summary>GitHub <c>owner/name</c> that the upstream check asks about; optional.</summary>
    public string? GitHub { get; init; }

    /// <summary>Glob over tag names for the tracked release line, e.g. <c>mysql-9.7.*</c>.</summary>
    public string? Track { get; init; }

    /// <summary>Full path of the ASCII-armored public key that signs release tarballs; optional.</summary>
    public string? SigningKey { get; init; }

    /// <summary>The fingerprint a tarball's good signature must come from (40 hex digits).</summary>
    public string? SigningFingerprint { get; init; }
}

/// <summary>One way to obtain the release; tried in order until one answers.</summary>
public abstract record SourceSpec
{
    /// <summary>Where in the recipe this source was written, for messages.</summary>
    public required string Location { get; init; }

    /// <summary>A short label for logs: the URL or package it names.</summary>
    public abstract string Describe();
}

/// <summary>A git remote and the recipe's tag.</summary>
public sealed record GitSourceSpec : SourceSpec
{
    public required string Url { get; init; }

    public override string Describe() => $"git {Url}";
}

/// <summary>A release tarball pinned by its SHA-256.</summary>
public sealed record TarballSourceSpec : SourceSpec
{
    public required string Url { get; init; }

    public required string Sha256 { get; init; }

    /// <summary>The detached signature's URL; by default the tarball's URL with <c>.asc</c> appended.</summary>
    public string? Signature { get; init; }

    public string SignatureUrl => Signature ?? Url + ".asc";

    public override string Describe() => $"tarball {Url}";
}

/// <summary>
/// A Debian source package whose orig tarball is the release, fetched through apt's own
/// configured mirrors and pinned by the orig tarball's SHA-256.
/// </summary>
public sealed record DebianSourceSpec : SourceSpec
{
    public required string Package { get; init; }

    public required string Version { get; init; }

    public required string Sha256 { get; init; }

    /// <summary>The Debian suite whose source index lists the package, e.g. <c>sid</c>.</summary>
    public required string Suite { get; init; }

    public override string Describe() => $"debian {Package}={Version} ({Suite})";
}

/// <summary>Where the patch series lives and what it may contain.</summary>
public sealed record PatchesSpec
{
    /// <summary>Full path of the quilt <c>series</c> file.</summary>
    public required string Series { get; init; }

    public bool AllowBinary { get; init; }
}

/// <summary>How to configure, build and install with CMake.</summary>
public sealed record BuildSpec
{
    /// <summary>CMake cache options for every architecture, in recipe order.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Options { get; init; }

    /// <summary>Extra or overriding options per architecture.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, string>>> ArchOptions
    {
        get;
        init;
    }

    /// <summary>Ninja targets the snap needs; empty means everything.</summary>
    public required IReadOnlyList<string> Targets { get; init; }

    /// <summary>CMake install components; empty means a plain install of everything built.</summary>
    public required IReadOnlyList<string> InstallComponents { get; init; }

    public required string Prefix { get; init; }

    /// <summary>A command run from the staged tree after each build (<c>{stage}</c> is replaced), under qemu-user for a foreign architecture.</summary>
    public IReadOnlyList<string> Smoke { get; init; } = [];

    /// <summary>Tools the build runs that must be built for the build machine first, when cross-compiling.</summary>
    public HostToolsSpec? HostTools { get; init; }

    /// <summary>Debian packages the build needs on the build machine, for every architecture.</summary>
    public IReadOnlyList<string> Packages { get; init; } = [];

    /// <summary>Extra Debian packages per architecture (for a foreign one, named with <c>:arch</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ArchPackages { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Every Debian package one architecture's build needs.</summary>
    public IReadOnlyList<string> PackagesFor(string architecture) =>
        [.. Packages, .. ArchPackages.GetValueOrDefault(architecture) ?? []];

    /// <summary>The options for one architecture: common ones, then that architecture's.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OptionsFor(string architecture)
    {
        var merged = new List<KeyValuePair<string, string>>(Options);
        if (!ArchOptions.TryGetValue(architecture, out var extra))
        {
            return merged;
        }

        foreach (var option in extra)
        {
            var index = merged.FindIndex(o => o.Key == option.Key);
            if (index >= 0)
            {
                merged[index] = option;
            }
            else
            {
                merged.Add(option);
            }
        }

        return merged;
    }
}

/// <summary>The snapcraft part this recipe produces.</summary>
public sealed record SnapSpec
{
    public required string Part { get; init; }

    /// <summary>The companion part that carries the patch series in the source form.</summary>
    public required string PatchesPart { get; init; }

    /// <summary>The form the recipe asks for; null when it leaves the choice to the default.</summary>
    public Snapcraft.PartForm? Form { get; init; }

    /// <summary>The snap base the recipe asks for; null when it leaves the choice to the default.</summary>
    public Snapcraft.SnapBase? Base { get; init; }

    public required IReadOnlyList<string> BuildPackages { get; init; }

    public required IReadOnlyList<string> StagePackages { get; init; }

    public required IReadOnlyList<string> Stage { get; init; }

    public required IReadOnlyList<string> Prime { get; init; }

    /// <summary>Further craft-parts keys for the part, copied into it as written, in recipe order.</summary>
    public IReadOnlyList<KeyValuePair<string, YamlDotNet.RepresentationModel.YamlNode>> Extra { get; init; } = [];
}

/// <summary>
/// The commands Verify runs from a staged tree. Each is an argument list in which
/// <c>{stage}</c> (the staged tree), <c>{data}</c> (a fresh data directory) and <c>{run}</c>
/// (a short directory for sockets and logs) are replaced. Without <see cref="Ready"/>, the start
/// command is a one-shot that must exit 0; with it, the start command is a server that is ready
/// once that path exists, is queried with <see cref="Check"/> and stopped with <see cref="Stop"/>.
/// </summary>
public sealed record VerifySpec
{
    public IReadOnlyList<string> Setup { get; init; } = [];

    public required IReadOnlyList<string> Start { get; init; }

    public string? Ready { get; init; }

    public IReadOnlyList<string> Check { get; init; } = [];

    public string? Expect { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    public int TimeoutSeconds { get; init; } = 120;
}

/// <summary>
/// A project that runs programs it builds itself during its build (MySQL runs <c>comp_err</c>)
/// cannot run the cross-compiled ones; a native pass builds <see cref="Targets"/> first, and
/// cross builds find them on PATH in <see cref="Directory"/> of that pass's build tree.
/// </summary>
public sealed record HostToolsSpec
{
    public required IReadOnlyList<string> Targets { get; init; }

    /// <summary>The folder of the native build tree that holds the tools, relative to it.</summary>
    public string Directory { get; init; } = ".";

    /// <summary>Extra CMake options for the native pass, over the host architecture's options.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Options { get; init; } = [];
}
