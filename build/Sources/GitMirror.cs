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

        var parent = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(parent);
        Leftovers.RemoveDead(parent, System.IO.Path.GetFileName(Path) + ".", ".new");
        var temporary = Path + $".{Environment.ProcessId}.new";
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        try
        {
            Repository.Init(temporary, isBare: true);
            if (Directory.Exists(Path))
            {
                // Something that is not a repository (a damaged cache): the cache can be fetched again.
                Directory.Delete(Path, recursive: true);
            }

            Directory.Move(temporary, Path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or LibGit2SharpException)
        {
            throw new BuildException($"Could not create the mirror {Path}: {exception.Message}; check the disk or pass --cache-dir=DIR elsewhere.", exception);
        }
    }

    /// <summary>The commit a source's ref points at in the mirror, or null.</summary>
    /// <remarks>
    /// Objects are read through the git command line, not libgit2: libgit2 0.32 loops without end
    /// on a loose object cut short, where git reports it as corrupt.
    /// </remarks>
    public string? Resolve(string sourceKey, string tag)
    {
        if (!Repository.IsValid(Path))
        {
            return null;
        }

        var result = ReadObjects("rev-parse", "--verify", "--quiet", RefFor(sourceKey, tag) + "^{commit}");
        ThrowIfDamaged(Path, result);

        return result.ExitCode == 0 ? result.StandardOutput.Trim() : null;
    }

    /// <summary>
    /// Throws when git's answer says an object is damaged (cut short, unreadable, a broken pack)
    /// rather than missing.
    /// </summary>
    internal static void ThrowIfDamaged(string repository, ProcessResult result)
    {
        if (result.ExitCode == 0)
        {
            return;
        }

        var damage = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim())
            .FirstOrDefault(IsDamage);
        if (damage is not null)
        {
            throw new MirrorDamagedException(repository, damage);
        }
    }

    /// <summary>What git says of an object that is there but cannot be read.</summary>
    private static readonly string[] DamagePhrases =
        ["corrupt", "inflate", "unable to unpack", "packfile", "bad object", "unable to read"];

    /// <summary>What git says when asking again cannot help.</summary>
    private static readonly string[] PermanentPhrases =
    [
        "couldn't find remote ref", "not found", "does not appear to be a git repository",
        "Could not resolve host", "Authentication failed", "No space left on device",
    ];

    private static bool IsDamage(string line) => Says(line, DamagePhrases);

    private static bool Says(string text, string[] phrases) =>
        phrases.Any(p => text.Contains(p, StringComparison.OrdinalIgnoreCase));

    private ProcessResult ReadObjects(params string[] arguments) =>
        ProcessRunner.Run(new ProcessSpec("git", ["--git-dir", Path, .. arguments])
        {
            Environment = new Dictionary<string, string?> { ["GIT_CONFIG_NOSYSTEM"] = "1", ["LC_ALL"] = "C" },
        });

    /// <summary>
    /// Fetches one tag from a git remote into the source's namespace, at depth 1. libgit2's fetch
    /// ignores a depth, so this one step runs the git command line, which fetches shallow over
    /// every transport that can (smart HTTP, ssh, a local path); a remote that cannot (dumb HTTP)
    /// gets a full fetch, and the log says so.
    /// </summary>
    /// <returns>The commit the tag points at.</returns>
    public string FetchTag(string sourceKey, string url, string tag, IBuildLog log, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var refspec = $"+refs/tags/{tag}:{RefFor(sourceKey, tag)}";
        var started = DateTime.UtcNow;
        var shallow = true;
        ProcessResult result;
        for (var attempt = 1; ; attempt++)
        {
            result = Fetch(url, refspec, shallow, log, cancellationToken);
            if (result.ExitCode != 0 && shallow && result.StandardError.Contains("shallow", StringComparison.OrdinalIgnoreCase))
            {
                log.Information($"  {url} cannot serve a shallow fetch, so the full history of {tag} is fetched.");
                shallow = false;
                result = Fetch(url, refspec, shallow, log, cancellationToken);
            }

            // A connection that drops, a server that restarts: another attempt may get through. A
            // missing tag or repository will not change, so it is not asked again. The mirror keeps
            // what it had: git moves refs only after a fetch has all its objects.
            if (result.ExitCode == 0 || attempt >= FetchAttempts || IsPermanent(result.StandardError))
            {
                break;
            }

            var delay = TimeSpan.FromSeconds(attempt);
            log.Warning($"  fetching {tag} from {url} failed ({LastError(result)}); trying again in {delay.TotalSeconds:F0} s");
            Task.Delay(delay, cancellationToken).Wait(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (result.ExitCode != 0 && result.StandardError.Contains("No space left on device", StringComparison.Ordinal))
        {
            // Not the source's fault, and the next source would fill the same disk.
            throw new BuildException(
                $"The disk holding the mirror {Path} is full ({LastError(result)}); free some space or pass --cache-dir=DIR elsewhere.");
        }

        if (result.ExitCode != 0)
        {
            throw new SourceUnavailableException($"fetching tag {tag} from {url} failed: {LastError(result)}");
        }

        var commit = Resolve(sourceKey, tag)
            ?? throw new SourceUnavailableException($"{url} has no tag {tag}");
        var shallowNow = File.Exists(System.IO.Path.Combine(Path, "shallow"));
        log.Information(
            $"  fetched {tag} ({commit[..12]}) in {(DateTime.UtcNow - started).TotalSeconds:F1} s"
            + (shallowNow ? ", shallow (depth 1)" : ", full history"));

        return commit;
    }

    /// <summary>How many times a fetch that fails for a reason that may pass is tried.</summary>
    public static int FetchAttempts { get; set; } = 3;

    private static bool IsPermanent(string error) => Says(error, PermanentPhrases);

    private static string LastError(ProcessResult result) =>
        result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim())
            .LastOrDefault(l => l.StartsWith("fatal:", StringComparison.Ordinal) || l.StartsWith("error:", StringComparison.Ordinal))
        ?? $"git fetch exited with {result.ExitCode}";

    private ProcessResult Fetch(string url, string refspec, bool shallow, IBuildLog log, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "--git-dir", Path, "fetch", "--no-tags", "--progress" };
        if (shallow)
        {
            arguments.Add("--depth=1");
        }

        arguments.AddRange(["--", url, refspec]);
        var lastReport = DateTime.UtcNow;
        var spec = new ProcessSpec("git", arguments)
        {
            Environment = new Dictionary<string, string?>
            {
                ["GIT_TERMINAL_PROMPT"] = "0",
                ["GIT_CONFIG_NOSYSTEM"] = "1",
                ["LC_ALL"] = "C",
            },
            OnLine = line =>
            {
                if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(5) && line.Contains("objects:", StringComparison.Ordinal))
                {
                    lastReport = DateTime.UtcNow;
                    log.Information("  fetching: " + line.Split('\r').Last().Trim());
                }
            },
        };
        log.Verbose($"  $ {spec.CommandLine}");

        return ProcessRunner.Run(spec, cancellationToken);
    }

    /// <summary>Points the source's ref (and the plain tag) at a commit produced locally.</summary>
    public void SetRef(string sourceKey, string tag, string commit)
    {
        using var repository = new Repository(Path);
        repository.Refs.Add(RefFor(sourceKey, tag), new ObjectId(commit), allowOverwrite: true);
    }
}

/// <summary>
/// An object in the mirror (or a worktree borrowing from it) is there but cannot be read; the
/// mirror is a cache, so it is dropped and fetched again.
/// </summary>
public sealed class MirrorDamagedException : BuildException
{
    public MirrorDamagedException(string repository, string detail)
        : base($"The repository {repository} holds a damaged object ({detail.TrimEnd('.')})")
    {
        Detail = detail;
    }

    public MirrorDamagedException(string message)
        : base(message)
    {
        Detail = message;
    }

    public MirrorDamagedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Detail = message;
    }

    public MirrorDamagedException()
    {
        Detail = string.Empty;
    }

    public string Detail { get; }
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
