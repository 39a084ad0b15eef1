using SnapBuild.Common;
using SnapBuild.Recipes;

namespace SnapBuild.Sources;

/// <summary>The release as one commit in the mirror, and which source served it.</summary>
public sealed record ResolvedRelease(string Tag, string Commit, string Source, string MirrorPath, bool FromCache);

/// <summary>How the release may be obtained on this run.</summary>
public sealed record ResolveOptions
{
    /// <summary>A git remote used instead of the recipe's sources (a local mirror).</summary>
    public string? UpstreamUrl { get; init; }

    /// <summary>Use the cache alone; never touch the network.</summary>
    public bool Offline { get; init; }

    /// <summary>Refuse to run unless the lock pins what the serving source resolves to.</summary>
    public bool Locked { get; init; }

    /// <summary>Ask the sources again even when the cache holds the pinned commit.</summary>
    public bool Refresh { get; init; }

    /// <summary>
    /// The worktree the release will be checked out in: when it does not exist yet and a tarball
    /// is imported, the import unpacks the files there too, sparing the checkout.
    /// </summary>
    public string? Worktree { get; init; }
}

/// <summary>
/// Turns the recipe's ordered sources into one commit: tries each source in turn, costing one
/// warning line per source that cannot be reached, checks the answer against the lock, and
/// writes the lock on first resolution.
/// </summary>
public sealed class ReleaseResolver
{
    private readonly CacheLayout cache;
    private readonly IBuildLog log;
    private readonly TarballImporter tarballs;
    private readonly DebianSourceFetcher debian;

    public ReleaseResolver(CacheLayout cache, IBuildLog log, DebianSourceFetcher? debian = null)
    {
        this.cache = cache;
        this.log = log;
        tarballs = new TarballImporter(cache, log);
        this.debian = debian ?? new DebianSourceFetcher(cache, log);
    }

    public static string KeyOf(SourceSpec source) => Hashing.Sha256OfText(source.Describe())[..12];

    public ResolvedRelease Resolve(Recipe recipe, ResolveOptions options, CancellationToken cancellationToken)
    {
        var tag = recipe.Upstream.Tag;
        var sources = options.UpstreamUrl is { } url
            ? [new GitSourceSpec { Url = url, Location = "--upstream-url" }]
            : recipe.Upstream.Sources;
        var lockFile = LockFile.Read(recipe.LockPath, tag);
        if (options.Locked && lockFile is null)
        {
            throw new UsageException(
                $"--locked needs {recipe.LockPath} pinning tag {tag}; run ./build.sh --target=Lock first.");
        }

        var mirror = new GitMirror(cache.MirrorFor(recipe.Name));
        if (!options.Refresh && FromLockedCache(mirror, sources, lockFile, tag) is { } cached)
        {
            return cached;
        }

        var failures = new List<string>();
        foreach (var source in sources)
        {
            var pinned = lockFile?.Find(source.Describe());
            if (options.Locked && pinned is null)
            {
                log.Warning($"Skipping {source.Describe()}: {recipe.LockPath} does not pin it and --locked is set.");
                failures.Add($"{source.Describe()}: not in the lock");
                continue;
            }

            log.Information($"Trying {source.Describe()} for {tag}");
            string commit;
            bool fromCache;
            try
            {
                (commit, fromCache) = Obtain(recipe, mirror, source, pinned, options, cancellationToken);
            }
            catch (SourceUnavailableException exception)
            {
                log.Warning($"{source.Describe()} cannot serve {tag}: {exception.Message}; trying the next source.");
                failures.Add($"{source.Describe()}: {exception.Message}");
                continue;
            }

            if (pinned is not null && pinned.Commit != commit)
            {
                throw new BuildException(
                    $"Tag {tag} from {source.Describe()} now points at {commit}, but {recipe.LockPath} pins "
                    + $"{pinned.Commit}; the tag moved upstream: check why, and delete the lock to accept it.");
            }

            if (pinned is null && options.UpstreamUrl is not null)
            {
                // A local mirror stands in for the recipe's sources; it is not what releases pin.
                log.Information($"  not writing {recipe.LockPath}: --upstream-url replaces the recipe's sources");
            }
            else if (pinned is null)
            {
                lockFile ??= new LockFile(recipe.LockPath, tag);
                lockFile.Set(new LockedSource(source.Describe(), commit, (source as TarballSourceSpec)?.Sha256
                    ?? (source as DebianSourceSpec)?.Sha256));
                lockFile.Write();
                log.Information($"Locked {tag} from {source.Describe()} at {commit} in {recipe.LockPath}");
            }

            mirror.SetRef("served", tag, commit);
            var fromWhere = fromCache ? " (from the cache)" : string.Empty;
            log.Information($"Release {tag} served by {source.Describe()}: {commit}{fromWhere}");

            return new ResolvedRelease(tag, commit, source.Describe(), mirror.Path, fromCache);
        }

        var why = options.Offline
            ? $"--offline is set and the cache at {cache.Root} lacks tag {tag} for every source; "
                + "run once without --offline"
            : $"no source could serve tag {tag} ({string.Join("; ", failures)}); "
                + "check the network or the recipe's sources";

        throw new BuildException(why + ".");
    }

    /// <summary>
    /// The release from the cache when the lock pins a source whose cached commit is the pinned
    /// one: no source is asked, not even those before it, so a run with a warm cache never waits
    /// on an unreachable remote.
    /// </summary>
    private ResolvedRelease? FromLockedCache(
        GitMirror mirror, IReadOnlyList<SourceSpec> sources, LockFile? lockFile, string tag)
    {
        foreach (var source in sources)
        {
            var pinned = lockFile?.Find(source.Describe());
            if (pinned is not null && mirror.Resolve(KeyOf(source), tag) == pinned.Commit)
            {
                mirror.SetRef("served", tag, pinned.Commit);
                log.Information(
                    $"Release {tag}: {pinned.Commit} from the cache, "
                    + $"as {Path.GetFileName(lockFile!.Path)} pins it for {source.Describe()}");

                return new ResolvedRelease(tag, pinned.Commit, source.Describe(), mirror.Path, FromCache: true);
            }
        }

        return null;
    }

    private (string Commit, bool FromCache) Obtain(
        Recipe recipe,
        GitMirror mirror,
        SourceSpec source,
        LockedSource? pinned,
        ResolveOptions options,
        CancellationToken cancellationToken)
    {
        var tag = recipe.Upstream.Tag;
        var key = KeyOf(source);
        var cached = mirror.Resolve(key, tag);

        // A pinned tarball's import cannot change, so its cached commit always stands; a git
        // tag is taken from the cache only when the lock pins that very commit.
        var cacheStands = options.Offline
            || (!options.Refresh && (pinned?.Commit == cached || source is not GitSourceSpec));
        if (cached is not null && cacheStands)
        {
            return (cached, true);
        }

        if (options.Offline && source is GitSourceSpec)
        {
            throw new SourceUnavailableException($"--offline is set and the cache lacks {tag} for this source");
        }

        switch (source)
        {
            case GitSourceSpec git:
                return (mirror.FetchTag(key, git.Url, tag, log, cancellationToken), false);

            case TarballSourceSpec tarball:
            {
                string file;
                string? signature = null;
                if (options.Offline)
                {
                    // A downloaded tarball is in the cache too: the import is made again from it.
                    file = CachedOrUnavailable(tarballs.Cached(tarball.Url, tarball.Sha256), tag);
                    signature = recipe.Upstream.SigningKey is null ? null : file + ".asc";
                }
                else
                {
                    file = tarballs.Download(tarball.Url, tarball.Sha256, cancellationToken);
                    if (recipe.Upstream.SigningKey is not null)
                    {
                        signature = tarballs.DownloadSignature(tarball.SignatureUrl, file, cancellationToken);
                    }
                }

                var commit = ImportTarball(
                    recipe, mirror, source, file, signature, tarball.Sha256, options.Worktree, cancellationToken);

                return (commit, false);
            }

            case DebianSourceSpec package:
            {
                var file = tarballs.Cached(package.Describe(), package.Sha256);
                if (options.Offline)
                {
                    file = CachedOrUnavailable(file, tag);
                }

                file ??= tarballs.Adopt(
                    debian.FetchOrigTarball(package.Package, package.Version, package.Suite, cancellationToken),
                    package.Describe(),
                    package.Sha256);
                var signature = recipe.Upstream.SigningKey is null ? null : file + ".asc";
                var commit = ImportTarball(
                    recipe, mirror, source, file, signature, package.Sha256, options.Worktree, cancellationToken);

                return (commit, false);
            }

            default:
                throw new InvalidOperationException($"Unknown source kind {source.GetType().Name}.");
        }
    }

    private static string CachedOrUnavailable(string? file, string tag) =>
        file ?? throw new SourceUnavailableException(
            $"--offline is set and the cache holds neither the import of {tag} nor the tarball for this source");

    /// <summary>
    /// Imports a tarball into the mirror (and unpacks it as the worktree when one is wanted).
    /// With a signing key, <c>gpgv</c> checks the signature on another core while the tarball is
    /// read; the import is published (its pack and its worktree moved into place) only once the
    /// signature is found good, and a bad one leaves neither behind.
    /// </summary>
    private string ImportTarball(
        Recipe recipe,
        GitMirror mirror,
        SourceSpec source,
        string file,
        string? signature,
        string sha256,
        string? worktree,
        CancellationToken cancellationToken)
    {
        if (signature is not null && !File.Exists(signature))
        {
            VerifySignature(recipe, file, signature, source, cancellationToken); // says it is missing, before any work
        }

        using var stopVerifying = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var verification = signature is null
            ? null
            : Task.Run(
                () => VerifySignature(recipe, file, signature, source, stopVerifying.Token),
                CancellationToken.None);
        var reported = false;
        void AwaitSignature()
        {
            if (verification is null || reported)
            {
                return;
            }

            verification.GetAwaiter().GetResult();
            reported = true;
            log.Information(
                $"  good signature by {recipe.Upstream.SigningFingerprint} on the tarball from {source.Describe()}");
        }

        try
        {
            var tag = recipe.Upstream.Tag;
            var commit = tarballs.Import(mirror, file, tag, sha256, cancellationToken, worktree, AwaitSignature);
            mirror.SetRef(KeyOf(source), tag, commit);

            return commit;
        }
        finally
        {
            if (verification is { IsCompleted: false })
            {
                // The import failed first: its error is the one reported, and gpgv is not left running.
                stopVerifying.Cancel();
                verification.ContinueWith(_ => { }, TaskScheduler.Default).Wait(CancellationToken.None);
            }
        }
    }

    private void VerifySignature(
        Recipe recipe, string file, string signature, SourceSpec source, CancellationToken cancellationToken)
    {
        var verifier = new SignatureVerifier(
            recipe.Upstream.SigningKey!, recipe.Upstream.SigningFingerprint!, Path.Combine(cache.Root, "tmp"));
        var detached = File.Exists(signature) ? signature : null;
        verifier.Verify(file, detached, $"the tarball from {source.Describe()}", cancellationToken);
    }
}
