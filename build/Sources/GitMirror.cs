using LibGit2Sharp;
using SnapBuild.Common;

namespace SnapBuild.Sources;

/// <summary>
/// The bare mirror of one upstream in the cache, shared by every run and work directory. Each
/// source keeps its refs under its own namespace (<c>refs/snap-build/&lt;key&gt;/</c>), so a git
/// remote and an imported tarball of the same release never overwrite each other.
/// </summary>
public sealed class GitMirror
{
    public GitMirror(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static string RefFor(string sourceKey, string tag) => $"refs/snap-build/{sourceKey}/tags/{tag}";

    /// <summary>Creates the bare repository when it is not there yet.</summary>
    public void EnsureCreated()
    {
        if (Repository.IsValid(Path))
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + $".{Environment.ProcessId}.new";
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        Repository.Init(temporary, isBare: true);
        Directory.Move(temporary, Path);
    }

    /// <summary>The commit a source's ref points at in the mirror, or null.</summary>
    public string? Resolve(string sourceKey, string tag)
    {
        if (!Repository.IsValid(Path))
        {
            return null;
        }

        using var repository = new Repository(Path);
        var reference = repository.Refs[RefFor(sourceKey, tag)];

        return (reference?.ResolveToDirectReference()?.Target as Commit)?.Sha
            ?? (reference?.ResolveToDirectReference()?.Target as TagAnnotation)?.Target.Sha;
    }

    public bool HasCommit(string commit)
    {
        if (!Repository.IsValid(Path))
        {
            return false;
        }

        using var repository = new Repository(Path);

        return repository.Lookup<Commit>(commit) is not null;
    }

    /// <summary>
    /// Fetches one tag from a git remote into the source's namespace. Shallow (depth 1) where
    /// the transport allows it: libgit2 honours depth only over smart HTTP.
    /// </summary>
    /// <returns>The commit the tag points at.</returns>
    public string FetchTag(string sourceKey, string url, string tag, IBuildLog log, CancellationToken cancellationToken)
    {
        EnsureCreated();
        using var repository = new Repository(Path);
        var remoteName = "source-" + sourceKey;
        if (repository.Network.Remotes[remoteName] is { } existing && existing.Url != url)
        {
            repository.Network.Remotes.Update(remoteName, r => r.Url = url);
        }
        else if (repository.Network.Remotes[remoteName] is null)
        {
            repository.Network.Remotes.Add(remoteName, url, "+refs/tags/*:refs/snap-build/unused/*");
        }

        var shallow = url.StartsWith("http://", StringComparison.Ordinal)
            || url.StartsWith("https://", StringComparison.Ordinal);
        if (!shallow)
        {
            log.Information($"  {url} is not a smart HTTP remote, so the fetch is not shallow (full history).");
        }

        var lastReport = DateTime.MinValue;
        var options = new FetchOptions
        {
            TagFetchMode = TagFetchMode.None,
            Depth = shallow ? 1 : 0,
            OnTransferProgress = progress =>
            {
                if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(5) && progress.TotalObjects > 0)
                {
                    lastReport = DateTime.UtcNow;
                    log.Information(
                        $"  fetching: {progress.ReceivedObjects}/{progress.TotalObjects} objects, "
                        + $"{progress.ReceivedBytes / 1048576.0:F1} MiB");
                }

                return !cancellationToken.IsCancellationRequested;
            },
        };
        var refspec = $"+refs/tags/{tag}:{RefFor(sourceKey, tag)}";
        try
        {
            Commands.Fetch(repository, remoteName, [refspec], options, $"snap-build: fetch {tag}");
        }
        catch (LibGit2SharpException exception)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new SourceUnavailableException($"fetching tag {tag} from {url} failed: {exception.Message}", exception);
        }

        var commit = Resolve(sourceKey, tag)
            ?? throw new SourceUnavailableException($"{url} has no tag {tag}");
        log.Verbose($"  mirror {Path}: {tag} is {commit} (shallow: {repository.Info.IsShallow})");

        return commit;
    }

    /// <summary>Points the source's ref (and the plain tag) at a commit produced locally.</summary>
    public void SetRef(string sourceKey, string tag, string commit)
    {
        using var repository = new Repository(Path);
        repository.Refs.Add(RefFor(sourceKey, tag), new ObjectId(commit), allowOverwrite: true);
    }
}

/// <summary>A source that could not serve the release; the next source in the recipe is tried.</summary>
public sealed class SourceUnavailableException : BuildException
{
    public SourceUnavailableException(string message)
        : base(message)
    {
    }

    public SourceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SourceUnavailableException()
    {
    }
}
