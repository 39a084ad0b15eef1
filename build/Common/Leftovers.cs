using System.Globalization;

namespace SnapBuild.Common;

/// <summary>
/// Temporary files and folders that carry the process id of the run that made them (a download's
/// <c>.part</c>, an import's scratch tree, a file's <c>.tmp</c>). A run killed with
/// <c>kill -9</c> cannot remove its own, so the next run removes those whose process is gone;
/// those of a live run, even one on another work directory sharing the cache, are kept.
/// </summary>
public static class Leftovers
{
    /// <summary>
    /// Deletes the entries of <paramref name="directory"/> named
    /// <c>&lt;prefix&gt;&lt;process id&gt;&lt;suffix&gt;</c> whose process is no longer running.
    /// </summary>
    /// <returns>How many were deleted.</returns>
    public static int RemoveDead(string directory, string prefix, string suffix)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, prefix + "*" + suffix))
        {
            var name = Path.GetFileName(entry);
            if (name.Length <= prefix.Length + suffix.Length
                || !int.TryParse(
                    name.AsSpan(prefix.Length, name.Length - prefix.Length - suffix.Length),
                    NumberStyles.None,
                    CultureInfo.InvariantCulture,
                    out var processId)
                || IsRunning(processId))
            {
                continue;
            }

            try
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }

                removed++;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Another run removed it first, or it is not ours to remove; either way it is not in the way.
            }
        }

        return removed;
    }

    private static bool IsRunning(int processId)
    {
        if (processId == Environment.ProcessId)
        {
            return true;
        }

        if (OperatingSystem.IsLinux())
        {
            return Directory.Exists($"/proc/{processId}");
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);

            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
