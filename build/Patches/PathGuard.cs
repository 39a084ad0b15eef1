using SnapBuild.Common;

namespace SnapBuild.Patches;

/// <summary>
/// Refuses a patch that would write outside the source tree before anything is written: a path
/// with a <c>..</c> component, anything under <c>.git</c>, a path through a symbolic link (one
/// on disk or one the patch itself creates), and binary changes unless the recipe allows them.
/// Absolute paths are refused when the patch is read.
/// </summary>
public static class PathGuard
{
    public static void Check(PatchFile patch, string sourceRoot, bool allowBinary)
    {
        var name = System.IO.Path.GetFileName(patch.Path);
        var links = patch.Files.Where(f => f.CreatesSymlink).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var file in patch.Files)
        {
            if (file.IsBinary && !allowBinary)
            {
                throw new UsageException(
                    $"{name} has a binary change to {file.Path}; set 'patches.allow-binary: true' in the recipe to allow it.");
            }

            foreach (var path in file.RawPaths)
            {
                CheckPath(name, path, sourceRoot, links);
            }
        }
    }

    private static void CheckPath(string name, string path, string sourceRoot, HashSet<string> links)
    {
        var parts = path.Split('/');
        if (path.Length == 0 || parts.Any(p => p == ".."))
        {
            throw new UsageException($"{name} names '{path}', which leaves the source tree; remove the '..' from it.");
        }

        if (parts.Any(p => p.Equals(".git", StringComparison.OrdinalIgnoreCase)))
        {
            throw new UsageException($"{name} writes '{path}' inside .git; a patch may only change source files.");
        }

        var prefix = sourceRoot;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            prefix = System.IO.Path.Combine(prefix, parts[i]);
            var relative = string.Join('/', parts.Take(i + 1));
            var info = new FileInfo(prefix);
            if (info.Exists && info.LinkTarget is not null
                || Directory.Exists(prefix) && new DirectoryInfo(prefix).LinkTarget is not null
                || links.Contains(relative))
            {
                throw new UsageException(
                    $"{name} writes '{path}' through the symbolic link '{relative}'; patch the link's target instead.");
            }
        }
    }
}
