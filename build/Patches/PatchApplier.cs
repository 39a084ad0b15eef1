using System.Globalization;
using System.Text.RegularExpressions;
using SnapBuild.Common;

namespace SnapBuild.Patches;

/// <summary>What applying a series produced.</summary>
public sealed record PatchOutcome(string Head, int Applied, int FilesRewritten, IReadOnlyList<string> EmptyPatches)
{
    /// <summary>How many of the patches were applied in this process rather than by <c>git apply</c>.</summary>
    public int AppliedInProcess { get; init; }
}

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
/// one commit named after it, so <c>git log</c> shows the series. Patches are applied to trees,
/// not to the working files: a plain text patch in this process (<see cref="UnifiedDiff"/> and
/// <see cref="HunkApplier"/>, by git's own matching rules, into one pack for the whole series),
/// any other shape by <c>git apply --cached</c> on a private index, which also gives the words of
/// every failure. The worktree then moves to the result with one checkout, which rewrites only
/// files whose content differs, so a re-patch after editing one patch leaves every other file's
/// timestamp alone and the build recompiles only what the edit touches. The commits are
/// deterministic (identity and date from the DEP-3 header), so the same series on the same
/// upstream always gives the same commit ids, whichever path applied each patch.
/// </summary>
public sealed partial class PatchApplier
{
    public const string Branch = "patched";

    private readonly IBuildLog log;

    public PatchApplier(IBuildLog log)
    {
        this.log = log;
    }

    /// <summary>
    /// Whether patches whose shape allows it are applied in this process (the default); when
    /// false, or for any other patch, <c>git apply --cached</c> applies it. Both give the same trees.
    /// </summary>
    public bool InProcess { get; init; } = true;

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

    /// <summary>
    /// Applies the series on <paramref name="upstreamCommit"/> and checks the result out on the
    /// patched branch. A worktree with local changes is refused, unless
    /// <paramref name="justCheckedOut"/> says this process has just force-checked it out, so that
    /// asking <c>git status</c> could find nothing.
    /// </summary>
    public PatchOutcome Apply(
        string worktree,
        string upstreamCommit,
        SeriesFile series,
        bool allowBinary,
        CancellationToken cancellationToken,
        bool justCheckedOut = false)
    {
        var patches = Vet(series, worktree, allowBinary);
        var git = new Git(worktree, cancellationToken);
        if (!justCheckedOut)
        {
            var dirty = Git.ChangedPaths(git.Run("status", "--porcelain", "--untracked-files=no"));
            if (dirty.Count > 0)
            {
                throw new BuildException(
                    $"{worktree} has local changes ({string.Join(", ", dirty)}); "
                    + "turn them into a patch or run --target=Clean.");
            }
        }

        Leftovers.RemoveDead(Path.Combine(worktree, ".git"), "snap-build-index.", string.Empty);
        var index = Path.Combine(worktree, ".git", $"snap-build-index.{Environment.ProcessId}");
        var empty = new List<string>();
        var parent = upstreamCommit;
        using var tree = new SeriesTree(worktree, git.Environment);
        var inProcess = InProcess;
        var parentTree = inProcess ? StartInProcess(tree, upstreamCommit) : null;
        if (parentTree is null)
        {
            inProcess = false;
            parentTree = git.Run("rev-parse", upstreamCommit + "^{tree}").Trim();
            tree.Reset(parentTree);
        }

        string? indexTree = null; // the tree the private index holds, once git has used it
        var appliedInProcess = 0;
        try
        {
            foreach (var (entry, patch) in patches)
            {
                string? treeId = null;
                if (inProcess)
                {
                    try
                    {
                        treeId = ApplyInProcess(tree, entry, patch);
                        appliedInProcess += treeId is null ? 0 : 1;
                    }
                    catch (ObjectReadException exception)
                    {
                        log.Verbose($"  reading objects in process failed ({exception.Message}); git applies the rest");
                        inProcess = false;
                    }
                }

                if (treeId is null)
                {
                    // git applies what the in-process applier leaves to it, and says why a patch fails.
                    tree.Flush();
                    if (indexTree != parentTree)
                    {
                        git.WithIndex(index).Run("read-tree", parentTree);
                    }

                    // Matching by exact context whatever the user's apply.ignoreWhitespace says, as in process.
                    var result = git.WithIndex(index).TryRun(
                        "-c", "apply.ignoreWhitespace=no", "apply", "--cached", "--whitespace=nowarn",
                        $"-p{entry.StripLevel}", entry.Path);
                    if (result.ExitCode != 0)
                    {
                        MoveWorktree(git, worktree, parent, null);
                        var lastGood = parent == upstreamCommit ? "the upstream tree" : LastName(git, parent);
                        throw Failure(entry, patch, lastGood, result);
                    }

                    treeId = indexTree = git.WithIndex(index).Run("write-tree").Trim();
                    tree.Reset(treeId);
                }

                if (treeId == parentTree)
                {
                    empty.Add(entry.Name);
                }

                var message = $"{entry.Name}\n\n{patch.Header.Description}\n";
                if (Git.IdentityLine(patch.Header) is { } identity)
                {
                    parent = tree.WriteCommit(treeId, parent, identity, message);
                }
                else
                {
                    tree.Flush();
                    parent = git.WithIdentity(patch.Header)
                        .Run("commit-tree", treeId, "-p", parent, "-m", message).Trim();
                }

                parentTree = treeId;
            }

            tree.Flush();
        }
        finally
        {
            File.Delete(index);
        }

        var rewritten = MoveWorktree(git, worktree, parent, inProcess ? tree : null);
        foreach (var name in empty)
        {
            log.Warning($"{name} changes nothing on this upstream (already applied upstream?); consider dropping it.");
        }

        return new PatchOutcome(parent, patches.Count, rewritten, empty) { AppliedInProcess = appliedInProcess };
    }

    /// <summary>
    /// Applies one patch to the tree in memory when its shape is one <see cref="UnifiedDiff"/>
    /// reads and every hunk finds its place; returns the new tree's id, or null (nothing changed)
    /// to leave the patch to git.
    /// </summary>
    private static string? ApplyInProcess(SeriesTree tree, SeriesEntry entry, PatchFile patch)
    {
        var files = UnifiedDiff.Parse(patch.Bytes, entry.StripLevel);
        if (files is null)
        {
            return null;
        }

        var results = new List<(string Path, string Mode, byte[]? Content)>();
        foreach (var file in files)
        {
            var existing = file.Change == FileChange.Create ? null : tree.ReadFile(file.Path);
            if (file.Change == FileChange.Create ? tree.Occupied(file.Path) : existing is null)
            {
                return null;
            }

            var content = HunkApplier.Apply(existing?.Content ?? [], file.Hunks);
            if (content is null || file.Change == FileChange.Delete && content.Length > 0)
            {
                return null;
            }

            results.Add((file.Path, existing?.Mode ?? file.NewMode ?? "100644",
                file.Change == FileChange.Delete ? null : content));
        }

        foreach (var (path, mode, content) in results)
        {
            if (content is null)
            {
                tree.DeleteFile(path);
            }
            else
            {
                tree.WriteFile(path, mode, content);
            }
        }

        return tree.WriteTree();
    }

    /// <summary>The upstream tree read through the object reader, or null when it cannot be read.</summary>
    private string? StartInProcess(SeriesTree tree, string commit)
    {
        try
        {
            return tree.StartAt(commit);
        }
        catch (ObjectReadException exception)
        {
            log.Verbose($"  reading objects in process failed ({exception.Message}); git applies the series");

            return null;
        }
    }

    /// <summary>
    /// Checks out <paramref name="commit"/> on the patched branch; returns how many files changed,
    /// counted in process when the object reader is running, or -1 when there was no HEAD.
    /// </summary>
    private static int MoveWorktree(Git git, string worktree, string commit, SeriesTree? tree)
    {
        var head = HeadOf(worktree);
        var changed = -1;
        if (head is not null)
        {
            try
            {
                changed = tree?.ChangedFiles(head, commit) ?? -1;
            }
            catch (ObjectReadException)
            {
                changed = -1;
            }

            if (changed < 0)
            {
                changed = git.Run("diff", "--name-only", "--no-renames", head, commit)
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            }
        }

        git.Run("checkout", "-q", "-B", Branch, commit);

        return changed;
    }

    /// <summary>The commit HEAD names, from the refs alone (no object is read), or null.</summary>
    private static string? HeadOf(string worktree)
    {
        using var repository = new LibGit2Sharp.Repository(worktree);

        return repository.Refs.Head?.ResolveToDirectReference()?.TargetIdentifier;
    }

    private static string LastName(Git git, string commit) => git.Run("log", "-1", "--format=%s", commit).Trim();

    private static PatchFailedException Failure(
        SeriesEntry entry,
        PatchFile patch,
        string lastGood,
        ProcessResult result)
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
