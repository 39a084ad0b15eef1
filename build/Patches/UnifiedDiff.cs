using System.Text;

namespace SnapBuild.Patches;

/// <summary>What one file's diff does to it.</summary>
public enum FileChange
{
    Modify,
    Create,
    Delete,
}

/// <summary>One line of a hunk: ' ' (context), '-' or '+', and its bytes with the line end it has.</summary>
public readonly record struct HunkLine(char Kind, ReadOnlyMemory<byte> Text);

/// <summary>One hunk: where it says it starts in the old and the new file, and its lines.</summary>
public sealed record DiffHunk(int OldStart, int OldCount, int NewStart, int NewCount, IReadOnlyList<HunkLine> Lines);

/// <summary>One file of a diff, as the in-process applier takes it.</summary>
public sealed record FileDiff(string Path, FileChange Change, string? NewMode, IReadOnlyList<DiffHunk> Hunks);

/// <summary>
/// Reads a patch's bytes into per-file hunks for <see cref="HunkApplier"/>, for the shapes whose
/// meaning to <c>git apply</c> is plain: a text file changed, created or deleted, named the same
/// on both sides after <c>-pN</c>, with hunks whose line counts add up. Anything else (renames,
/// copies, mode changes, binary data, quoted or spaced names, a traditional diff whose names
/// differ or carry the epoch timestamps of a creation, a stray hunk, one file twice) gives null,
/// and the patch goes to <c>git apply</c> itself, so no shape is ever given a meaning git would not
/// give it.
/// </summary>
public static class UnifiedDiff
{
    public static IReadOnlyList<FileDiff>? Parse(byte[] patch, int stripLevel)
    {
        var lines = SplitLines(patch);
        var files = new List<FileDiff>();
        var i = 0;
        while (i < lines.Count)
        {
            var line = lines[i].Span;
            if (line.StartsWith("diff --git "u8))
            {
                var file = ParseGitFile(lines, ref i, stripLevel);
                if (file is null)
                {
                    return null;
                }

                files.Add(file);
            }
            else if (line.StartsWith("--- "u8) && i + 2 < lines.Count && lines[i + 1].Span.StartsWith("+++ "u8)
                && lines[i + 2].Span.StartsWith("@@ -"u8))
            {
                var file = ParseTraditionalFile(lines, ref i, stripLevel);
                if (file is null)
                {
                    return null;
                }

                files.Add(file);
            }
            else if (line.StartsWith("@@ -"u8) || line.StartsWith("GIT binary patch"u8))
            {
                return null; // a hunk without a header: git refuses it, with its own words
            }
            else
            {
                i++; // the description, a diffstat, a mail signature: git skips them too
            }
        }

        var paths = files.Select(f => f.Path).ToList();

        return files.Count == 0 || paths.Distinct(StringComparer.Ordinal).Count() != paths.Count ? null : files;
    }

    private static FileDiff? ParseGitFile(List<ReadOnlyMemory<byte>> lines, ref int i, int stripLevel)
    {
        var names = Text(lines[i])["diff --git ".Length..].TrimEnd('\n').TrimEnd('\r').Split(' ');
        if (names.Length != 2)
        {
            return null;
        }

        var (headerOld, headerNew) = (Stripped(names[0], stripLevel), Stripped(names[1], stripLevel));
        i++;
        var change = FileChange.Modify;
        string? mode = null;
        while (i < lines.Count && !lines[i].Span.StartsWith("--- "u8))
        {
            var line = Text(lines[i]);
            if (line.StartsWith("index ", StringComparison.Ordinal))
            {
                i++;
                continue;
            }

            if (line.StartsWith("new file mode ", StringComparison.Ordinal) && RegularMode(line[14..]) is { } created)
            {
                change = FileChange.Create;
                mode = created;
                i++;
                continue;
            }

            if (line.StartsWith("deleted file mode ", StringComparison.Ordinal) && RegularMode(line[18..]) is not null)
            {
                change = FileChange.Delete;
                i++;
                continue;
            }

            return null; // renames, copies, mode changes, binary patches, or no hunks at all
        }

        if (i + 2 >= lines.Count || !lines[i + 1].Span.StartsWith("+++ "u8) || !lines[i + 2].Span.StartsWith("@@ -"u8))
        {
            return null;
        }

        var old = Name(lines[i], stripLevel);
        var @new = Name(lines[i + 1], stripLevel);
        var path = change switch
        {
            FileChange.Create when old == "/dev/null" && @new is not null and not "/dev/null" => @new,
            FileChange.Delete when @new == "/dev/null" && old is not null and not "/dev/null" => old,
            FileChange.Modify when old is not null and not "/dev/null" && old == @new => old,
            _ => null,
        };
        if (path is null || headerOld != path || headerNew != path)
        {
            return null;
        }

        i += 2;
        var hunks = ParseHunks(lines, ref i);

        return hunks is null ? null : new FileDiff(path, change, mode, hunks);
    }

    private static FileDiff? ParseTraditionalFile(List<ReadOnlyMemory<byte>> lines, ref int i, int stripLevel)
    {
        var oldField = Text(lines[i])[4..];
        var newField = Text(lines[i + 1])[4..];
        if (EpochStamp(oldField) || EpochStamp(newField))
        {
            return null; // diff -N's way of saying created or deleted, which git reads by its own rules
        }

        var old = Name(lines[i], stripLevel);
        var @new = Name(lines[i + 1], stripLevel);
        FileChange change;
        string? path;
        if (old == "/dev/null" && @new is not null and not "/dev/null")
        {
            (change, path) = (FileChange.Create, @new);
        }
        else if (@new == "/dev/null" && old is not null and not "/dev/null")
        {
            (change, path) = (FileChange.Delete, old);
        }
        else if (old is not null && old != "/dev/null" && old == @new)
        {
            (change, path) = (FileChange.Modify, old);
        }
        else
        {
            return null;
        }

        i += 2;
        var hunks = ParseHunks(lines, ref i);
        if (hunks is null || change == FileChange.Modify && hunks.Any(h => h.OldStart == 0))
        {
            return null;
        }

        return new FileDiff(path, change, change == FileChange.Create ? "100644" : null, hunks);
    }

    /// <summary>The hunks that follow a file header, one after another, each with line counts that add up.</summary>
    private static List<DiffHunk>? ParseHunks(List<ReadOnlyMemory<byte>> lines, ref int i)
    {
        var hunks = new List<DiffHunk>();
        while (i < lines.Count && lines[i].Span.StartsWith("@@ -"u8))
        {
            if (ParseHunkHeader(Text(lines[i])) is not var (oldStart, oldCount, newStart, newCount))
            {
                return null;
            }

            i++;
            var body = new List<HunkLine>();
            int oldLeft = oldCount, newLeft = newCount;
            while (oldLeft > 0 || newLeft > 0)
            {
                if (i >= lines.Count)
                {
                    return null;
                }

                var text = lines[i];
                var span = text.Span;
                if (span.Length == 0 || span[^1] != (byte)'\n')
                {
                    return null;
                }

                switch ((char)span[0])
                {
                    case '\n':
                        body.Add(new HunkLine(' ', text));
                        oldLeft--;
                        newLeft--;
                        break;
                    case ' ':
                        body.Add(new HunkLine(' ', text[1..]));
                        oldLeft--;
                        newLeft--;
                        break;
                    case '-':
                        body.Add(new HunkLine('-', text[1..]));
                        oldLeft--;
                        break;
                    case '+':
                        body.Add(new HunkLine('+', text[1..]));
                        newLeft--;
                        break;
                    case '\\' when body.Count > 0 && span.StartsWith("\\ "u8):
                        body[^1] = WithoutNewline(body[^1]);
                        break;
                    default:
                        return null;
                }

                if (oldLeft < 0 || newLeft < 0)
                {
                    return null;
                }

                i++;
            }

            // "\ No newline at end of file" after the hunk's last line.
            if (i < lines.Count && lines[i].Span.StartsWith("\\ "u8) && body.Count > 0)
            {
                body[^1] = WithoutNewline(body[^1]);
                i++;
            }

            if (body.All(l => l.Kind == ' '))
            {
                return null; // git calls a hunk that changes nothing corrupt
            }

            hunks.Add(new DiffHunk(oldStart, oldCount, newStart, newCount, body));
        }

        return hunks.Count == 0 ? null : hunks;
    }

    private static HunkLine WithoutNewline(HunkLine line) =>
        line.Text.Span.EndsWith("\n"u8) ? line with { Text = line.Text[..^1] } : line;

    private static (int, int, int, int)? ParseHunkHeader(string line)
    {
        // @@ -a[,b] +c[,d] @@ anything
        var end = line.IndexOf(" @@", 4, StringComparison.Ordinal);
        if (end < 0)
        {
            return null;
        }

        var ranges = line[4..end].Split(' ');
        if (ranges.Length != 2 || !ranges[1].StartsWith('+')
            || Range(ranges[0]) is not var (oldStart, oldCount)
            || Range(ranges[1][1..]) is not var (newStart, newCount))
        {
            return null;
        }

        return (oldStart, oldCount, newStart, newCount);
    }

    private static (int, int)? Range(string text)
    {
        var parts = text.Split(',');
        if (parts.Length > 2 || !parts.All(p => p.Length is > 0 and < 10 && p.All(char.IsAsciiDigit)))
        {
            return null;
        }

        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            parts.Length == 2 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1);
    }

    /// <summary>
    /// The path of a ---/+++ line after stripping <paramref name="stripLevel"/> leading
    /// components, "/dev/null" for none, or null for a name this reader leaves to git (quoted,
    /// holding a space or a doubled slash, or too short to strip).
    /// </summary>
    private static string? Name(ReadOnlyMemory<byte> line, int stripLevel)
    {
        var field = Text(line)[4..].TrimEnd('\n').TrimEnd('\r');
        var tab = field.IndexOf('\t', StringComparison.Ordinal);
        if (tab >= 0)
        {
            field = field[..tab];
        }

        return field == "/dev/null" ? field : Stripped(field, stripLevel);
    }

    private static string? Stripped(string field, int stripLevel)
    {
        if (field.Length == 0 || field[0] == '"' || field.Contains(' ', StringComparison.Ordinal)
            || field.Contains("//", StringComparison.Ordinal) || field.StartsWith('/') || field.EndsWith('/'))
        {
            return null;
        }

        var parts = field.Split('/');

        return parts.Length <= stripLevel ? null : string.Join('/', parts.Skip(stripLevel));
    }

    private static bool EpochStamp(string field) =>
        field.Contains("1970-01-01", StringComparison.Ordinal)
        || field.Contains("1969-12-31", StringComparison.Ordinal);

    private static string? RegularMode(string text) => text.Trim() is "100644" or "100755" ? text.Trim() : null;

    private static string Text(ReadOnlyMemory<byte> line) => Encoding.UTF8.GetString(line.Span);

    /// <summary>The lines of a patch or a file, each with its '\n' (the last may lack one).</summary>
    internal static List<ReadOnlyMemory<byte>> SplitLines(byte[] bytes)
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        while (start < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            end = end < 0 ? bytes.Length : end + 1;
            lines.Add(bytes.AsMemory(start, end - start));
            start = end;
        }

        return lines;
    }
}
