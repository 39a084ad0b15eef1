using System.Formats.Tar;
using System.IO.Compression;
using SnapBuild.Common;

namespace SnapBuild.Release;

/// <summary>
/// Packs a staged tree into a <c>.tar.gz</c> whose bytes depend only on the tree's paths, contents,
/// executable bits and symbolic links: entries sorted by path (ordinal), owner and group 0
/// (<c>root</c>), modes normalised to 0755 or 0644, every mtime the given epoch, ustar format (no
/// extended headers with times), and gzip without a name or time in its header.
/// </summary>
public static class ReproducibleTarball
{
    public static void Write(string tree, string output, DateTimeOffset mtime, string? prefix = null)
    {
        if (!Directory.Exists(tree))
        {
            throw new BuildException($"There is no staged tree at {tree} to pack; run --target=Build for it first.");
        }

        var entries = Directory.EnumerateFileSystemEntries(tree, "*", new EnumerationOptions
            {
                RecurseSubdirectories = true,
                AttributesToSkip = 0,
                IgnoreInaccessible = false,
            })
            .Select(path => Path.GetRelativePath(tree, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var temporary = output + $".{Environment.ProcessId}.tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        Leftovers.RemoveDead(Path.GetDirectoryName(Path.GetFullPath(output))!, Path.GetFileName(output) + ".", ".tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
                using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
                {
                    foreach (var relative in entries)
                    {
                        var entry = Entry(tree, relative, prefix, mtime);
                        using (entry.DataStream)
                        {
                            tar.WriteEntry(entry);
                        }
                    }
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, output, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Nothing half-written stays behind under the artifact's name.
            File.Delete(temporary);
            throw new BuildException($"Could not write {output} from {tree}: {exception.Message}", exception);
        }
    }

    private static UstarTarEntry Entry(string tree, string relative, string? prefix, DateTimeOffset mtime)
    {
        var full = Path.Combine(tree, relative);
        var name = (prefix is null ? string.Empty : prefix.TrimEnd('/') + "/") + relative;
        var info = new FileInfo(full);
        UstarTarEntry entry;
        if (info.LinkTarget is { } target)
        {
            entry = new UstarTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target };
        }
        else if (Directory.Exists(full))
        {
            entry = new UstarTarEntry(TarEntryType.Directory, name + "/");
        }
        else
        {
            entry = new UstarTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = File.OpenRead(full),
            };
        }

        var executable = entry.EntryType == TarEntryType.Directory
            || entry.EntryType == TarEntryType.SymbolicLink
            || !OperatingSystem.IsWindows() && (File.GetUnixFileMode(full) & UnixFileMode.UserExecute) != 0;
        entry.Mode = executable
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
              | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        entry.Uid = 0;
        entry.Gid = 0;
        entry.UserName = "root";
        entry.GroupName = "root";
        entry.ModificationTime = mtime;

        return entry;
    }
}
