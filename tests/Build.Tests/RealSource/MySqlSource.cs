using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.RealSource;

/// <summary>
/// Oracle's MySQL release tarball, fetched from Debian's source archive through the project's
/// own fetcher, checked against the recipe's sha256 and Oracle's signature, and imported into
/// a local git repository tagged like upstream, which stands in for GitHub. Both are kept in
/// a cache between runs (<c>$XDG_CACHE_HOME/snap-build-tests</c>).
/// </summary>
public static class MySqlSource
{
    private static readonly Lazy<(string Repository, TimeSpan Fetch, TimeSpan Import)> Prepared = new(Prepare);

    public static Recipe Recipe { get; } = RecipeLoader.Load(Path.Combine(Fixtures.RepositoryRoot, "recipes", "mysql.yaml"));

    public static string CacheRoot { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "snap-build-tests");

    /// <summary>The local repository holding the release under its upstream tag.</summary>
    public static string Repository => Prepared.Value.Repository;

    public static TimeSpan FetchTime => Prepared.Value.Fetch;

    public static TimeSpan ImportTime => Prepared.Value.Import;

    private static (string, TimeSpan, TimeSpan) Prepare()
    {
        var debian = Recipe.Upstream.Sources.OfType<DebianSourceSpec>().Single();
        var cache = new CacheLayout(CacheRoot);
        var log = new CollectingLog();
        var tarballs = new TarballImporter(cache, log);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var tarball = tarballs.Cached(debian.Describe(), debian.Sha256)
            ?? tarballs.Adopt(
                new DebianSourceFetcher(cache, log).FetchOrigTarball(debian.Package, debian.Version, debian.Suite, default),
                debian.Describe(),
                debian.Sha256);
        new SignatureVerifier(Recipe.Upstream.SigningKey!, Recipe.Upstream.SigningFingerprint!, Path.Combine(CacheRoot, "tmp"))
            .Verify(tarball, tarball + ".asc", "the MySQL tarball", default);
        var fetch = clock.Elapsed;

        clock.Restart();
        var repository = Path.Combine(CacheRoot, $"github-{debian.Sha256[..12]}");
        var tag = Recipe.Upstream.Tag;
        if (!File.Exists(Path.Combine(repository, ".complete")))
        {
            if (Directory.Exists(repository))
            {
                Directory.Delete(repository, recursive: true);
            }

            Directory.CreateDirectory(repository);
            Shell.Run(repository, "tar", "-xzf", tarball, "--strip-components=1", "--no-same-owner");
            Shell.Git(repository, "init", "-q", "-b", "trunk");
            Shell.Git(repository, "add", "-A", "--force", ".");
            Shell.Git(repository, "commit", "-q", "-m", $"MySQL {tag} from Oracle's release tarball");
            Shell.Git(repository, "tag", "-a", tag, "-m", tag);
            File.WriteAllText(Path.Combine(repository, ".complete"), tag + "\n");
        }

        return (repository, fetch, clock.Elapsed);
    }
}
