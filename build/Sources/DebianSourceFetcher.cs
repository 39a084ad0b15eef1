using System.Text;
using SnapBuild.Common;

namespace SnapBuild.Sources;

/// <summary>
/// Fetches a Debian source package's orig tarball through the Debian archive that apt on this
/// machine is already configured for. It derives a <c>deb-src</c> entry for the recipe's suite
/// from the machine's own apt sources and runs apt in a private state directory, so the
/// machine's apt state is never touched and no archive host is written into the project.
/// </summary>
public sealed class DebianSourceFetcher
{
    private readonly CacheLayout cache;
    private readonly IBuildLog log;
    private readonly string aptSourcesDirectory;

    /// <param name="aptSourcesDirectory">Where the machine's apt sources are; tests point elsewhere.</param>
    public DebianSourceFetcher(CacheLayout cache, IBuildLog log, string aptSourcesDirectory = "/etc/apt")
    {
        this.cache = cache;
        this.log = log;
        this.aptSourcesDirectory = aptSourcesDirectory;
    }

    /// <summary>Downloads the package's source files and returns the path of its orig tarball.</summary>
    public string FetchOrigTarball(string package, string version, string suite, CancellationToken cancellationToken)
    {
        var root = Path.Combine(cache.Apt, suite);
        var parts = Path.Combine(root, "sources.list.d");
        var state = Path.Combine(root, "state");
        var aptCache = Path.Combine(root, "cache");
        var download = Path.Combine(root, "download", $"{package}_{version}");
        foreach (var directory in new[] { parts, Path.Combine(state, "lists", "partial"), Path.Combine(aptCache, "archives", "partial") })
        {
            Directory.CreateDirectory(directory);
        }

        AtomicFile.WriteIfChanged(Path.Combine(parts, "snap-build.sources"), DeriveSourceEntries(suite));
        var options = new List<string>
        {
            "-o", "Dir::Etc::SourceList=/dev/null",
            "-o", $"Dir::Etc::SourceParts={parts}",
            "-o", $"Dir::State={state}",
            "-o", $"Dir::Cache={aptCache}",
            "-o", "Debug::NoLocking=1",
            "-q",
        };
        if (Environment.UserName == "root")
        {
            // apt drops to its own user for downloads; that user cannot write into our cache.
            options.AddRange(["-o", "APT::Sandbox::User=root"]);
        }

        log.Information($"  apt: reading the {suite} source index");
        Apt(options, ["update"], root, cancellationToken);

        Directory.CreateDirectory(download);
        log.Information($"  apt: downloading source package {package}={version}");
        Apt(options, ["source", "--download-only", $"{package}={version}"], download, cancellationToken);

        var upstreamVersion = UpstreamVersion(version);
        var orig = Directory.GetFiles(download, $"{package}_{upstreamVersion}.orig.tar.*")
            .FirstOrDefault(f => !f.EndsWith(".asc", StringComparison.Ordinal));

        return orig ?? throw new SourceUnavailableException(
            $"apt downloaded {package}={version} but no {package}_{upstreamVersion}.orig.tar.* is in {download}");
    }

    /// <summary>The upstream part of a Debian version: no epoch, no Debian revision.</summary>
    public static string UpstreamVersion(string version)
    {
        var colon = version.IndexOf(':', StringComparison.Ordinal);
        var withoutEpoch = colon >= 0 ? version[(colon + 1)..] : version;
        var dash = withoutEpoch.LastIndexOf('-');

        return dash >= 0 ? withoutEpoch[..dash] : withoutEpoch;
    }

    /// <summary>
    /// A deb822 <c>deb-src</c> entry for the suite, for every archive URI the machine's apt
    /// sources use for Debian's main archive (security archives are left out).
    /// </summary>
    public string DeriveSourceEntries(string suite)
    {
        var entries = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stanza in ReadStanzas())
        {
            var uris = stanza.GetValueOrDefault("URIs", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var suites = stanza.GetValueOrDefault("Suites", "");
            if (suites.Contains("security", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var uri in uris.Where(seen.Add))
            {
                entries.Append("Types: deb-src\n");
                entries.Append($"URIs: {uri}\n");
                entries.Append($"Suites: {suite}\n");
                entries.Append("Components: main\n");
                if (stanza.TryGetValue("Signed-By", out var key))
                {
                    entries.Append($"Signed-By: {key}\n");
                }

                entries.Append('\n');
            }
        }

        if (entries.Length == 0)
        {
            throw new SourceUnavailableException(
                $"no Debian archive is configured in {aptSourcesDirectory}/sources.list.d/*.sources or sources.list");
        }

        return entries.ToString();
    }

    private IEnumerable<Dictionary<string, string>> ReadStanzas()
    {
        var directory = Path.Combine(aptSourcesDirectory, "sources.list.d");
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.sources").Order(StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        foreach (var file in files)
        {
            var stanza = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var raw in File.ReadLines(file).Append(string.Empty))
            {
                var line = raw.TrimEnd();
                if (line.Length == 0)
                {
                    if (stanza.Count > 0)
                    {
                        yield return stanza;
                    }

                    stanza = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (line.StartsWith('#') || colon <= 0 || char.IsWhiteSpace(line[0]))
                {
                    continue;
                }

                stanza[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var list = Path.Combine(aptSourcesDirectory, "sources.list");
        if (!File.Exists(list))
        {
            yield break;
        }

        foreach (var line in File.ReadLines(list).Select(l => l.Trim()))
        {
            // One-line format: deb [options] uri suite components...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || fields[0] != "deb")
            {
                continue;
            }

            var at = fields[1].StartsWith('[') ? Array.FindIndex(fields, f => f.EndsWith(']')) + 1 : 1;
            if (at < fields.Length - 1)
            {
                yield return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                {
                    ["URIs"] = fields[at],
                    ["Suites"] = fields[at + 1],
                };
            }
        }
    }

    private void Apt(List<string> options, string[] command, string directory, CancellationToken cancellationToken)
    {
        var spec = new ProcessSpec("apt-get", [.. options, .. command])
        {
            WorkingDirectory = directory,
            OnLine = line => log.Verbose("    " + line),
        };
        var result = ProcessRunner.Run(spec, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new SourceUnavailableException(
                $"`{spec.CommandLine}` failed with exit code {result.ExitCode}: {result.CombinedTail(3)}");
        }
    }
}
