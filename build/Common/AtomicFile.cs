using System.Text;

namespace SnapBuild.Common;

/// <summary>
/// Writes files so that a reader sees either the old content or the new one, never a half:
/// the bytes go to a temporary file beside the target, are flushed to disk, and then renamed.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteAllText(string path, string contents) =>
        WriteAllBytes(path, Utf8NoBom.GetBytes(contents));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        Leftovers.RemoveDead(directory, $".{Path.GetFileName(full)}.", ".tmp");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");

        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch (IOException exception)
        {
            TryDelete(temporary);
            throw new BuildException($"Could not write {full}: {exception.Message}", exception);
        }
        catch (UnauthorizedAccessException exception)
        {
            TryDelete(temporary);
            throw new BuildException($"Could not write {full}: {exception.Message}", exception);
        }
    }

    /// <summary>Writes only when the content differs, so unchanged files keep their timestamps.</summary>
    /// <returns>Whether the file was written.</returns>
    public static bool WriteIfChanged(string path, string contents)
    {
        var bytes = Utf8NoBom.GetBytes(contents);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
        {
            return false;
        }

        WriteAllBytes(path, bytes);

        return true;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The temporary file is named after this process; a later run overwrites it.
        }
    }
}
