using System.Globalization;
using System.Text.RegularExpressions;
using SnapBuild.Common;

namespace SnapBuild.Patches;

/// <summary>What applying a series produced.</summary>
public sealed record PatchOutcome(string Head, int Applied, int FilesRewritten, IReadOnlyList<string> EmptyPatches);

/// <summary>A patch of the series that does not apply: which one, where, and why.</summary>
public sealed class PatchFailedException : BuildException
{
    public PatchFailedException(string message)
        : base(message)
    {
    }

    public PatchFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PatchFailedException()
    {
    }
}

/// <summary>
/// Applies a quilt series on top of the upstream commit in a worktree and records each patch as
/// one commit named after it, so <c>git log</c> shows the series. The patches are applied to a
/// private index (<c>git apply --cached</c>, the index half of <c>--index</c>) and committed
/// without touching the working files; the worktree then moves to the result with one
/// checkout, which rewrites only files whose content differs. So a re-patch after editing one
/// patch leaves every other file's timestamp alone and the build recompiles only what the edit
/// touches. The commits are deterministic (identity and date from the DEP-3 header), so the
/// same series on the same upstream always gives the same commit ids.
/// </summary>
public sealed partial class PatchApplier
{
    public const string Branch = "patched";

    private readonly IBuildLog log;

    public PatchApplier(IBuildLog log)
    {
        this.log = log;
    }

    /// <summary>Reads and vets every patch of the series; nothing is written.</summary>
    public IReadOnlyList<(SeriesEntry Entry, PatchFile Patch)> Vet(SeriesFile series, string worktree, bool allowBinary)
    {
        foreach (var unlisted in series.Unlisted)
        {
            log.Warning($"{unlisted} is in {series.Directory} but not in the series, so it is not applied.");
        }

        var patches = new List<(SeriesEntry, PatchFile)>();
        foreach (var entry in series.Entries)
        {
            var patch = PatchFile.Read(entry.Path, entry.StripLevel);
            PathGuard.Check(patch, worktree, allowBinary);
            patches.Add((entry, patch));
        }

        return patches;
    }

    public PatchOutcome Apply(
        string worktree,
        string upstreamCommit,
        SeriesFile series,
        bool allowBinary,
        CancellationToken cancellationToken)
    {
        var patches = Vet(series, worktree, allowBinary);
        var git = new Git(worktree, cancellationToken);
        var dirty = Git.ChangedPaths(git.Run("status", "--porcelain", "--untracked-files=no"));
        if (dirty.Count > 0)
        {
            throw new BuildException(
                $"{worktree} has local changes ({string.Join(", ", dirty)}); "
                + "turn them into a patch or run --target=Clean.");
        }

        Leftovers.RemoveDead(Path.Combine(worktree, ".git"), "snap-build-index.", string.Empty);
        var index = Path.Combine(worktree, ".git", $"snap-build-index.{Environment.ProcessId}");
        var empty = new List<string>();
        var parent = upstreamCommit;
        try
        {
            git.WithIndex(index).Run("read-tree", upstreamCommit);
            var parentTree = git.Run("rev-parse", upstreamCommit + "^{tree}").Trim();
            foreach (var (entry, patch) in patches)
            {
                var result = git.WithIndex(index).TryRun(
                    "apply", "--cached", "--whitespace=nowarn", $"-p{entry.StripLevel}", entry.Path);
                if (result.ExitCode != 0)
                {
                    MoveWorktree(git, parent);
                    throw Failure(entry, patch, parent == upstreamCommit ? "the upstream tree" : LastName(git, parent), result);
                }

                var tree = git.WithIndex(index).Run("write-tree").Trim();
                if (tree == parentTree)
                {
                    empty.Add(entry.Name);
                }

                parent = git.WithIdentity(patch.Header).Run(
                    "commit-tree", tree, "-p", parent, "-m", $"{entry.Name}\n\n{patch.Header.Description}\n").Trim();
                parentTree = tree;
            }
        }
        finally
        {
            File.Delete(index);
        }

        var rewritten = MoveWorktree(git, parent);
        foreach (var name in empty)
        {
            log.Warning($"{name} changes nothing on this upstream (already applied upstream?); consider dropping it.");
        }

        return new PatchOutcome(parent, patches.Count, rewritten, empty);
    }

    /// <summary>Checks out <paramref name="commit"/> on the patched branch; returns how many files changed.</summary>
    private static int MoveWorktree(Git git, string commit)
    {
        var head = git.TryRun("rev-parse", "--verify", "-q", "HEAD").StandardOutput.Trim();
        var changed = head.Length == 0
            ? -1
            : git.Run("diff", "--name-only", "--no-renames", head, commit)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        git.Run("checkout", "-q", "-B", Branch, commit);

        return changed;
    }

    private static string LastName(Git git, string commit) => git.Run("log", "-1", "--format=%s", commit).Trim();

    private static PatchFailedException Failure(SeriesEntry entry, PatchFile patch, string lastGood, ProcessResult result)
    {
        var stderr = result.StandardError;
        var where = string.Empty;
        var match = FailedAt().Match(stderr);
        if (match.Success)
        {
            var file = match.Groups[1].Value;
            var line = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            var hunk = patch.HunkAt(file, line);
            where = hunk is null
                ? $": {file} does not match at line {line}"
                : $": hunk #{hunk.Number} of {file} (at line {line}, patch line {hunk.Line}) does not match";
        }
        else if (MissingFile().Match(stderr) is { Success: true } missing)
        {
            where = $": {missing.Groups[1].Value} does not exist in the tree";
        }
        else if (stderr.Trim().Length > 0)
        {
            where = ": " + stderr.Trim().Split('\n')[0].Replace("error: ", string.Empty, StringComparison.Ordinal);
        }

        return new PatchFailedException(
            $"{entry.Name} (series line {entry.Line}) does not apply{where}; the worktree is left at {lastGood}, "
            + "so refresh the patch against it and run again.");
    }

    [GeneratedRegex(@"patch failed: (.+):(\d+)")]
    private static partial Regex FailedAt();

    [GeneratedRegex(@"error: (.+): (?:does not exist in index|No such file or directory)")]
    private static partial Regex MissingFile();
}
