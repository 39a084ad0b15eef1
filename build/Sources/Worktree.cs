using LibGit2Sharp;
using SnapBuild.Common;

namespace SnapBuild.Sources;

/// <summary>
/// The source tree a build works in: a git repository at <c>&lt;work-dir&gt;/&lt;name&gt;/src</c>
/// that borrows every object from the cache's mirror (git alternates), so creating one costs no
/// copy of the history, and checking out moves only the files that differ.
/// </summary>
public static class Worktree
{
    public const string UpstreamRef = "refs/snap-build/upstream";

    /// <summary>
    /// Makes <paramref name="path"/> a repository that has <paramref name="commit"/>, and checks
    /// that commit out unless HEAD is already it or a patched descendant of it.
    /// </summary>
    /// <returns>Whether the working files were changed.</returns>
    public static bool Prepare(string mirrorPath, string commit, string path, IBuildLog log)
    {
        if (!Repository.IsValid(path))
        {
            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
            {
                throw new BuildException(
                    $"{path} exists but is not a git repository; move it away or run --target=Clean.");
            }

            Repository.Init(path);
        }

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

        using var repository = new Repository(path);
        var target = repository.Lookup<Commit>(commit)
            ?? throw new BuildException($"The mirror {mirrorPath} lacks commit {commit}; run --target=Clean and retry.");
        repository.Refs.Add(UpstreamRef, target.Id, allowOverwrite: true);

        var head = repository.Head.Tip;
        if (head is not null && (head.Id == target.Id || DescendsFrom(repository, head, target)))
        {
            log.Verbose($"  {path} is already at {commit[..12]} or a patched tree on top of it");

            return false;
        }

        if (head is not null)
        {
            var dirty = repository.RetrieveStatus(new StatusOptions { IncludeUntracked = false })
                .Where(e => e.State != FileStatus.Unaltered && e.State != FileStatus.Ignored)
                .Select(e => e.FilePath)
                .Take(5)
                .ToList();
            if (dirty.Count > 0)
            {
                throw new BuildException(
                    $"{path} has local changes ({string.Join(", ", dirty)}); commit them to a patch or run --target=Clean.");
            }
        }

        Commands.Checkout(repository, target, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
        log.Information($"  checked out {commit[..12]} in {path}");

        return true;
    }

    private static bool DescendsFrom(Repository repository, Commit head, Commit ancestor)
    {
        var mergeBase = repository.ObjectDatabase.FindMergeBase(head, ancestor);

        return mergeBase?.Id == ancestor.Id;
    }
}
