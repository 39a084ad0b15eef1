using System.Globalization;
using System.Text.RegularExpressions;
using SnapBuild.Common;

namespace SnapBuild.Patches;

/// <summary>One hunk of a file's diff: its number within the file and where it starts in the old file.</summary>
public sealed record PatchHunk(int Number, int OldStart, int OldCount, int Line);

/// <summary>One file a patch changes, with every path the diff names for it (old, new, rename source).</summary>
public sealed record PatchedFile(string Path, IReadOnlyList<string> RawPaths, IReadOnlyList<PatchHunk> Hunks)
{
    public bool IsBinary { get; init; }

    public bool CreatesSymlink { get; init; }
}

/// <summary>
/// The structure of a unified or git diff: which files it touches (after stripping the series'
/// <c>-pN</c>), their hunks, and whether any part is binary. Used to vet paths before anything is
/// written and to name the hunk when a patch does not apply.
/// </summary>
public sealed partial class PatchFile
{
    private PatchFile(string path, byte[] bytes, Dep3Header header, IReadOnlyList<PatchedFile> files)
    {
        Path = path;
        Bytes = bytes;
        Header = header;
        Files = files;
    }

    public string Path { get; }

    /// <summary>The file as read, for the in-process applier, which works on bytes.</summary>
    public byte[] Bytes { get; }

    public Dep3Header Header { get; }

    public IReadOnlyList<PatchedFile> Files { get; }

    public static bool StartsDiff(string line) =>
        line.StartsWith("diff --git ", StringComparison.Ordinal)
        || line.StartsWith("--- ", StringComparison.Ordinal)
        || line.StartsWith("Index: ", StringComparison.Ordinal);

    public static PatchFile Read(string path, int stripLevel)
    {
        var bytes = File.ReadAllBytes(path);
        var bom = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var text = System.Text.Encoding.UTF8.GetString(bytes, bom, bytes.Length - bom);
        var display = System.IO.Path.GetFileName(path);
        var header = Dep3Header.Parse(display, text);
        var files = new List<PatchedFile>();
        var lines = text.Split('\n');
        List<string>? raw = null;
        List<PatchHunk>? hunks = null;
        var binary = false;
        var symlink = false;
        string? newPath = null;
        string? oldPath = null;

        void Finish()
        {
            if (raw is null)
            {
                return;
            }

            var stripped = raw.Where(p => p != "/dev/null").Select(p => Strip(display, p, stripLevel)).ToList();
            var main = newPath is not null && newPath != "/dev/null" ? Strip(display, newPath, stripLevel)
                : oldPath is not null && oldPath != "/dev/null" ? Strip(display, oldPath, stripLevel)
                : stripped.FirstOrDefault() ?? string.Empty;
            files.Add(new PatchedFile(main, stripped.Distinct().ToList(), hunks!)
            {
                IsBinary = binary,
                CreatesSymlink = symlink,
            });
            raw = null;
        }

        void Start()
        {
            Finish();
            raw = [];
            hunks = [];
            binary = false;
            symlink = false;
            newPath = null;
            oldPath = null;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                Start();
                var match = GitDiffLine().Match(line);
                if (match.Success)
                {
                    raw!.Add(match.Groups[1].Value);
                    raw.Add(match.Groups[2].Value);
                }

                continue;
            }

            if (line.StartsWith("--- ", StringComparison.Ordinal) && i + 1 < lines.Length
                && lines[i + 1].StartsWith("+++ ", StringComparison.Ordinal))
            {
                if (raw is null || hunks!.Count > 0 || oldPath is not null)
                {
                    Start();
                }

                oldPath = PathField(line[4..]);
                newPath = PathField(lines[i + 1][4..].TrimEnd('\r'));
                raw!.Add(oldPath);
                raw.Add(newPath);
                i++;
                continue;
            }

            if (raw is null)
            {
                continue;
            }

            if (line.StartsWith("@@ ", StringComparison.Ordinal))
            {
                var match = HunkLine().Match(line);
                if (!match.Success)
                {
                    throw new UsageException($"{display}:{i + 1}: malformed hunk header '{line}'.");
                }

                var count = match.Groups[2].Success ? Number(match.Groups[2].Value) : 1;
                hunks!.Add(new PatchHunk(hunks.Count + 1, Number(match.Groups[1].Value), count, i + 1));
            }
            else if (line.StartsWith("rename from ", StringComparison.Ordinal)
                || line.StartsWith("copy from ", StringComparison.Ordinal))
            {
                raw.Add(AddPrefix(line[(line.IndexOf(" from ", StringComparison.Ordinal) + 6)..], stripLevel));
            }
            else if (line.StartsWith("rename to ", StringComparison.Ordinal)
                || line.StartsWith("copy to ", StringComparison.Ordinal))
            {
                newPath = AddPrefix(line[(line.IndexOf(" to ", StringComparison.Ordinal) + 4)..], stripLevel);
                raw.Add(newPath);
            }
            else if (line.StartsWith("GIT binary patch", StringComparison.Ordinal)
                || (line.StartsWith("Binary files ", StringComparison.Ordinal)
                    && line.EndsWith(" differ", StringComparison.Ordinal)))
            {
                binary = true;
            }
            else if (line.StartsWith("new file mode 120000", StringComparison.Ordinal)
                || line.StartsWith("new mode 120000", StringComparison.Ordinal))
            {
                symlink = true;
            }
        }

        Finish();
        if (files.Count == 0)
        {
            throw new UsageException(
                $"{display} changes no file (no 'diff --git' or '---'/'+++' lines); "
                + "remove it from the series or add its diff.");
        }

        return new PatchFile(path, bytes, header, files);
    }

    /// <summary>Finds the hunk of a file that starts at an old-file line, as git reports it on failure.</summary>
    public PatchHunk? HunkAt(string file, int oldLine) =>
        Files.FirstOrDefault(f => f.Path == file)?.Hunks.FirstOrDefault(h => h.OldStart == oldLine);

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>rename/copy lines carry paths without the a/ b/ prefixes; give them as many as -pN strips.</summary>
    private static string AddPrefix(string path, int stripLevel) =>
        string.Concat(Enumerable.Repeat("x/", stripLevel)) + path;

    private static string PathField(string field)
    {
        var tab = field.IndexOf('\t', StringComparison.Ordinal);
        var path = (tab >= 0 ? field[..tab] : field).Trim();
        if (path.Length > 1 && path[0] == '"' && path[^1] == '"')
        {
            path = path[1..^1];
        }

        return path;
    }

    private static string Strip(string display, string path, int level)
    {
        if (path.StartsWith('/'))
        {
            throw new UsageException(
                $"{display} names the absolute path '{path}'; a patch may only change files inside the source tree.");
        }

        var parts = path.Split('/');
        if (parts.Length <= level)
        {
            throw new UsageException(
                $"{display}: the path '{path}' has fewer than {level + 1} components, so -p{level} strips all of it; "
                + "fix the strip level in the series.");
        }

        return string.Join('/', parts.Skip(level));
    }

    [GeneratedRegex("^diff --git (?:\"?)(\\S+?)(?:\"?) (?:\"?)(\\S+?)(?:\"?)$")]
    private static partial Regex GitDiffLine();

    [GeneratedRegex("^@@ -(\\d+)(?:,(\\d+))? \\+\\d+(?:,\\d+)? @@")]
    private static partial Regex HunkLine();
}
