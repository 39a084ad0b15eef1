using SnapBuild.Common;

namespace SnapBuild.Sources;

/// <summary>
/// Downloads a release tarball into the cache, checks its SHA-256 pin, and imports its content
/// into the mirror as one commit, so later stages see a git commit whichever source served the
/// release. The commit is deterministic: fixed identity, and the newest file time in the tarball
/// as its date, so the same tarball always gives the same commit id.
/// </summary>
public sealed class TarballImporter
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(30) };

    private readonly CacheLayout cache;
    private readonly IBuildLog log;

    public TarballImporter(CacheLayout cache, IBuildLog log)
    {
        this.cache = cache;
        this.log = log;
    }

    /// <summary>The cached file for a pin, when a previous run downloaded it.</summary>
    public string? Cached(string url, string sha256)
    {
        var path = CachePath(url, sha256);

        return File.Exists(path) ? path : null;
    }

    /// <summary>Downloads (or copies a local/file URL) into the cache and checks the pin.</summary>
    public string Download(string url, string sha256, CancellationToken cancellationToken)
    {
        var target = CachePath(url, sha256);
        if (File.Exists(target))
        {
            return target;
        }

        Directory.CreateDirectory(cache.Downloads);
        RemoveKilledDownloads(target);
        var partial = target + $".{Environment.ProcessId}.part";
        try
        {
            var started = DateTime.UtcNow;
            Fetch(url, partial, cancellationToken);
            var size = new FileInfo(partial).Length;
            log.Information(
                $"  downloaded {size / 1048576.0:F1} MiB in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
            Adopt(partial, url, sha256);

            return target;
        }
        finally
        {
            if (File.Exists(partial))
            {
                File.Delete(partial);
            }
        }
    }

    /// <summary>
    /// Fetches the detached signature of a cached tarball to <c>&lt;tarball&gt;.asc</c>; a
    /// signature that cannot be fetched stops the run, since the tarball may not be used without it.
    /// </summary>
    public string DownloadSignature(string url, string tarball, CancellationToken cancellationToken)
    {
        var target = tarball + ".asc";
        if (File.Exists(target))
        {
            return target;
        }

        RemoveKilledDownloads(target);
        var partial = target + $".{Environment.ProcessId}.part";
        try
        {
            Fetch(url, partial, cancellationToken);
            File.Move(partial, target, overwrite: true);
            log.Verbose($"  fetched the signature {url}");

            return target;
        }
        catch (SourceUnavailableException exception)
        {
            throw new BuildException(
                $"The signature {url} could not be fetched ({exception.Message}); a tarball is not used without it.",
                exception);
        }
        finally
        {
            if (File.Exists(partial))
            {
                File.Delete(partial);
            }
        }
    }

    /// <summary>Copies an http(s) URL, a file URL or a local path to <paramref name="destination"/>.</summary>
    private static void Fetch(string url, string destination, CancellationToken cancellationToken)
    {
        try
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                // A download cut short (the server dies, the connection drops) is tried again from
                // the start; an answer such as 404 is not.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        Download(uri, url, destination, cancellationToken);

                        return;
                    }
                    catch (Exception exception) when (exception is HttpRequestException or IOException
                        && attempt < DownloadAttempts && !cancellationToken.IsCancellationRequested)
                    {
                        Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).Wait(cancellationToken);
                    }
                }
            }

            var local = uri is { IsFile: true } ? uri.LocalPath : url;
            if (!File.Exists(local))
            {
                throw new SourceUnavailableException($"{local} does not exist");
            }

            File.Copy(local, destination, overwrite: true);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            var attempts = exception is IOException ? $" after {DownloadAttempts} attempts" : string.Empty;
            throw new SourceUnavailableException(
                $"downloading {url} failed{attempts}: {exception.Message}", exception);
        }
    }

    /// <summary>How many times a download that breaks off is tried.</summary>
    public static int DownloadAttempts { get; set; } = 3;

    private static void Download(Uri uri, string url, string destination, CancellationToken cancellationToken)
    {
        using var response = Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode)
        {
            throw new SourceUnavailableException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        using var body = response.Content.ReadAsStream(cancellationToken);
        using var file = File.Create(destination);
        body.CopyTo(file);
        if (response.Content.Headers.ContentLength is { } length && file.Length != length)
        {
            throw new IOException($"the download ended after {file.Length} of {length} bytes");
        }
    }

    /// <summary>
    /// Checks a downloaded file against its pin and moves it into the cache. A mismatch stops
    /// the run: a tarball that differs from the pin is never used.
    /// </summary>
    public string Adopt(string file, string url, string sha256)
    {
        var actual = Hashing.Sha256OfFile(file);
        if (actual != sha256)
        {
            throw new BuildException(
                $"The tarball from {url} has sha256 {actual}, but the recipe pins {sha256}; "
                + "check the source, or update the pin if the release was re-issued on purpose.");
        }

        var target = CachePath(url, sha256);
        Directory.CreateDirectory(cache.Downloads);
        File.Move(file, target, overwrite: true);
        if (File.Exists(file + ".asc"))
        {
            File.Move(file + ".asc", target + ".asc", overwrite: true);
        }

        return target;
    }

    /// <summary>Imports the tarball's tree into the mirror and returns the commit id.</summary>
    /// <param name="worktree">
    /// A worktree path that does not exist yet: the files are unpacked there from the same read,
    /// so it needs no checkout. Null to import into the mirror only.
    /// </param>
    /// <param name="beforePublish">
    /// Called once the tarball is read and before anything of it becomes visible (the pack in the
    /// mirror, the worktree); it throws to drop the import (a signature checked meanwhile is bad).
    /// </param>
    public string Import(
        GitMirror mirror,
        string tarball,
        string tag,
        string sha256,
        CancellationToken cancellationToken,
        string? worktree = null,
        Action? beforePublish = null)
    {
        mirror.EnsureCreated();

        // Before the in-process import, an import unpacked the tarball into the cache first.
        var removed = Leftovers.RemoveDead(Path.Combine(cache.Root, "tmp"), "import-", string.Empty);
        if (removed > 0)
        {
            log.Information($"  removed {removed} unpacked tree(s) left by a killed import");
        }

        string? unpackInto = null;
        if (worktree is not null && !Directory.Exists(worktree))
        {
            // Beside the worktree, so that moving it into place is a rename on the same disk.
            var parent = Path.GetDirectoryName(Path.GetFullPath(worktree))!;
            var prefix = Path.GetFileName(worktree) + ".unpacking.";
            Leftovers.RemoveDead(parent, prefix, string.Empty);
            unpackInto = Path.Combine(parent, prefix + Environment.ProcessId);
            if (Directory.Exists(unpackInto))
            {
                Directory.Delete(unpackInto, recursive: true);
            }
        }

        var started = DateTime.UtcNow;
        try
        {
            TarballTree.Figures Run(string? into) => TarballTree.Import(
                tarball,
                Path.Combine(mirror.Path, "objects"),
                "snap-build tarball import <import@snap-build.invalid>",
                $"Import {tag} from {Path.GetFileName(tarball)}\n\nsha256: {sha256}",
                cancellationToken,
                into,
                beforePublish);
            TarballTree.Figures import;
            try
            {
                import = Run(unpackInto);
            }
            catch (DuplicateEntryException exception) when (unpackInto is not null)
            {
                log.Information($"  {exception.Message}; importing it again without unpacking, then checking it out");
                if (Directory.Exists(unpackInto))
                {
                    Directory.Delete(unpackInto, recursive: true);
                }

                import = Run(null);
            }

            if (import.Unpacked is var (root, entries))
            {
                Worktree.Adopt(mirror.Path, import.Commit, root, entries, worktree!, cancellationToken);
            }

            log.Information(
                $"  imported {Path.GetFileName(tarball)} as {import.Commit[..12]}: {import.Files} files, "
                + $"{import.Bytes / 1048576.0:F0} MiB, {import.ObjectsWritten} new objects"
                + (import.Unpacked is null ? string.Empty : $", unpacked into {worktree}")
                + $" in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

            return import.Commit;
        }
        finally
        {
            if (unpackInto is not null && Directory.Exists(unpackInto))
            {
                Directory.Delete(unpackInto, recursive: true);
            }
        }
    }

    /// <summary>Removes what downloads of <paramref name="target"/> by killed runs left behind.</summary>
    private void RemoveKilledDownloads(string target)
    {
        var removed = Leftovers.RemoveDead(
            Path.GetDirectoryName(target)!, Path.GetFileName(target) + ".", ".part");
        if (removed > 0)
        {
            log.Information(
                $"  removed {removed} partial download(s) of {Path.GetFileName(target)} left by a killed run");
        }
    }

    private string CachePath(string url, string sha256)
    {
        var name = Path.GetFileName(new Uri(url, UriKind.RelativeOrAbsolute) is { IsAbsoluteUri: true } uri
            ? uri.LocalPath
            : url);

        return Path.Combine(cache.Downloads, $"{sha256[..16]}-{name}");
    }
}
