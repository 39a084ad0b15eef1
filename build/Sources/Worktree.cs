using LibGit2Sharp;
using SnapBuild.Common;
using SnapBuild.Patches;

namespace SnapBuild.Sources;

/// <summary>
/// The source tree a build works in: a git repository at <c>&lt;work-dir&gt;/&lt;name&gt;/src</c>
/// that borrows every object from the cache's mirror (git alternates), so creating one costs no
/// copy of the history, and checking out moves only the files that differ.
/// </summary>
/// <remarks>
/// Objects are read and checked out through the git command line. libgit2 0.32 loops without end
/// on a loose object cut short, where git names it as corrupt, and git's checkout of MySQL's
/// 59,000 files is the faster of the two.
/// </remarks>
public static class Worktree
{
    public const string UpstreamRef = "refs/snap-build/upstream";

    /// <summary>
    /// Makes <paramref name="path"/> a repository that has <paramref name="commit"/>, and checks
    /// that commit out unless HEAD is already it or a patched descendant of it.
    /// </summary>
    /// <returns>Whether the working files were changed.</returns>
    /// <exception cref="MirrorDamagedException">An object the checkout needs cannot be read.</exception>
    public static bool Prepare(
        string mirrorPath,
        string commit,
        string path,
        IBuildLog log,
        CancellationToken cancellationToken = default)
    {
        var created = false;
        if (!Repository.IsValid(path))
        {
            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
            {
                throw new BuildException(
                    $"{path} exists but is not a git repository; move it away or run --target=Clean.");
            }

            Repository.Init(path);
            created = true;
        }

        BorrowFrom(mirrorPath, path);
        var git = new Git(path, cancellationToken);

        // update-ref parses the object it is given, so it also says when the commit is missing or damaged.
        var pinned = git.TryRun("update-ref", UpstreamRef, commit);
        GitMirror.ThrowIfDamaged(mirrorPath, pinned);
        if (pinned.ExitCode != 0)
        {
            throw new BuildException(pinned.StandardError.Contains("nonexistent object", StringComparison.Ordinal)
                ? $"The mirror {mirrorPath} lacks commit {commit}; run --target=Clean and retry."
                : $"git update-ref {UpstreamRef} in {path} failed with exit code {pinned.ExitCode}: "
                    + pinned.StandardError.Trim().Split('\n')[0]);
        }

        string? headCommit = null;
        if (!created)
        {
            var head = git.TryRun("rev-parse", "--verify", "--quiet", "HEAD^{commit}");
            GitMirror.ThrowIfDamaged(mirrorPath, head);
            headCommit = head.ExitCode == 0 ? head.StandardOutput.Trim() : null;
        }

        if (headCommit is not null && (headCommit == commit || DescendsFrom(git, mirrorPath, headCommit, commit)))
        {
            log.Verbose($"  {path} is already at {commit[..12]} or a patched tree on top of it");

            return false;
        }

        if (headCommit is not null)
        {
            var status = git.TryRun("status", "--porcelain", "--untracked-files=no");
            GitMirror.ThrowIfDamaged(mirrorPath, status);
            var dirty = Git.ChangedPaths(status.StandardOutput);
            if (dirty.Count > 0)
            {
                throw new BuildException(
                    $"{path} has local changes ({string.Join(", ", dirty)}); "
                    + "commit them to a patch or run --target=Clean.");
            }
        }

        var checkout = git.TryRun("checkout", "--quiet", "--force", "--detach", commit);
        GitMirror.ThrowIfDamaged(mirrorPath, checkout);
        if (checkout.ExitCode != 0)
        {
            throw new BuildException(
                $"git checkout of {commit[..12]} in {path} failed with exit code {checkout.ExitCode}: "
                + checkout.StandardError.Trim().Split('\n')[^1]);
        }

        log.Information($"  checked out {commit[..12]} in {path}");

        return true;
    }

    /// <summary>
    /// Makes <paramref name="unpacked"/>, a folder of files just unpacked from the tarball that
    /// made <paramref name="commit"/>, a worktree at that commit: a repository borrowing from the
    /// mirror, an index that matches the files, HEAD at the commit. Then it is moved to
    /// <paramref name="path"/>, so a worktree under that name is always complete.
    /// </summary>
    public static void Adopt(
        string mirrorPath,
        string commit,
        string unpacked,
        IReadOnlyList<IndexEntry> entries,
        string path,
        CancellationToken cancellationToken)
    {
        Repository.Init(unpacked);
        BorrowFrom(mirrorPath, unpacked);
        GitIndexFile.Write(unpacked, entries);
        var git = new Git(unpacked, cancellationToken);
        git.Run("update-ref", "--no-deref", "HEAD", commit);
        git.Run("update-ref", UpstreamRef, commit);
        Directory.Move(unpacked, path);
    }

    /// <summary>Points the worktree's object store at the mirror's (alternates, and its shallow list).</summary>
    private static void BorrowFrom(string mirrorPath, string path)
    {
        var gitDirectory = Path.Combine(path, ".git");
        var alternates = Path.Combine(gitDirectory, "objects", "info", "alternates");
        AtomicFile.WriteIfChanged(alternates, Path.Combine(mirrorPath, "objects") + "\n");
        var mirrorShallow = Path.Combine(mirrorPath, "shallow");
        var localShallow = Path.Combine(gitDirectory, "shallow");
        if (File.Exists(mirrorShallow))
        {
            AtomicFile.WriteIfChanged(localShallow, File.ReadAllText(mirrorShallow));
        }
        else if (File.Exists(localShallow))
        {
            File.Delete(localShallow);
        }
    }

    private static bool DescendsFrom(Git git, string mirrorPath, string head, string ancestor)
    {
        var result = git.TryRun("merge-base", "--is-ancestor", ancestor, head);
        GitMirror.ThrowIfDamaged(mirrorPath, result);

        return result.ExitCode == 0;
    }
}
