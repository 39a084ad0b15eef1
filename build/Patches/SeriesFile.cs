using System.Globalization;
using SnapBuild.Common;

namespace SnapBuild.Patches;

/// <summary>One line of a quilt series: the patch file and its strip level.</summary>
public sealed record SeriesEntry(string Name, string Path, int StripLevel, int Line);

/// <summary>
/// A quilt <c>series</c> file: one patch per line, relative to the series' folder, optionally
/// followed by <c>-pN</c> (default <c>-p1</c>); <c>#</c> starts a comment; blank lines are ignored.
/// </summary>
public sealed class SeriesFile
{
    private SeriesFile(string path, IReadOnlyList<SeriesEntry> entries, IReadOnlyList<string> unlisted)
    {
        Path = path;
        Entries = entries;
        Unlisted = unlisted;
    }

    public string Path { get; }

    public string Directory => System.IO.Path.GetDirectoryName(Path)!;

    public IReadOnlyList<SeriesEntry> Entries { get; }

    /// <summary>Patch files in the series' folder that the series does not name.</summary>
    public IReadOnlyList<string> Unlisted { get; }

    /// <summary>Reads the series; a missing series file is an empty series.</summary>
    public static SeriesFile Read(string path)
    {
        if (!File.Exists(path))
        {
            return new SeriesFile(path, [], []);
        }

        var directory = System.IO.Path.GetDirectoryName(path)!;
        var entries = new List<SeriesEntry>();
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var strip = 1;
            for (var i = 1; i < fields.Length; i++)
            {
                strip = ParseOption(path, lineNumber, fields, ref i);
            }

            var name = fields[0];
            var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, name));
            if (!full.StartsWith(directory + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new UsageException(
                    $"{path}:{lineNumber}: the patch '{name}' lies outside {directory}; keep patches beside the series.");
            }

            if (!File.Exists(full))
            {
                throw new UsageException(
                    $"{path}:{lineNumber}: the series names {name}, but {full} does not exist; add the file or remove the line.");
            }

            if (entries.Any(e => e.Path == full))
            {
                throw new UsageException($"{path}:{lineNumber}: {name} is listed twice; remove one of the lines.");
            }

            entries.Add(new SeriesEntry(name, full, strip, lineNumber));
        }

        var listed = entries.Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        var unlisted = System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".patch", StringComparison.Ordinal) || f.EndsWith(".diff", StringComparison.Ordinal))
            .Where(f => !listed.Contains(f))
            .Select(f => System.IO.Path.GetRelativePath(directory, f))
            .Order(StringComparer.Ordinal)
            .ToList();

        return new SeriesFile(path, entries, unlisted);
    }

    /// <summary>A hash of the series: each entry's name, strip level and file content, in order.</summary>
    public string Hash() =>
        Hashing.Combine(Entries.Select(e => new KeyValuePair<string, string>(
            $"{e.Name} -p{e.StripLevel}", Hashing.Sha256OfFile(e.Path))));

    private static int ParseOption(string path, int line, string[] fields, ref int i)
    {
        var option = fields[i];
        if (option == "-p" && i + 1 < fields.Length)
        {
            option = "-p" + fields[++i];
        }

        if (option.StartsWith("-p", StringComparison.Ordinal)
            && int.TryParse(option[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var level)
            && level <= 16)
        {
            return level;
        }

        throw new UsageException(
            $"{path}:{line}: unsupported series option '{fields[i]}'; only -pN (strip level) is understood.");
    }
}
