namespace SnapBuild.Patches;

/// <summary>
/// Applies a file's hunks to its content by the rules <c>git apply</c> follows without options:
/// every context and removed line must match byte for byte (no fuzz, no whitespace leniency); a
/// hunk is looked for at the line its new-file start names, then one line further on, one line
/// back, two on, and so on outward; a hunk starting at line 0 or 1 must match at the top and one
/// without trailing context at the bottom; and no hunk may match lines an earlier hunk of the same
/// file wrote. Returns null where git would report that the patch does not apply, so the caller
/// can let git say so in its own words.
/// </summary>
public static class HunkApplier
{
    public static byte[]? Apply(ReadOnlySpan<byte> content, IReadOnlyList<DiffHunk> hunks)
    {
        var image = UnifiedDiff.SplitLines(content.ToArray());

        var patched = new List<bool>(new bool[image.Count]);
        foreach (var hunk in hunks)
        {
            var preimage = hunk.Lines.Where(l => l.Kind != '+').Select(l => l.Text).ToList();
            var postimage = hunk.Lines.Where(l => l.Kind != '-').Select(l => l.Text).ToList();
            var trailing = hunk.Lines.Reverse().TakeWhile(l => l.Kind == ' ').Count();
            var matchBeginning = hunk.OldStart <= 1;
            var matchEnd = trailing == 0;
            var stated = hunk.NewStart > 0 ? hunk.NewStart - 1 : 0;
            var at = FindPosition(image, patched, preimage, stated, matchBeginning, matchEnd);
            if (at < 0)
            {
                return null;
            }

            image.RemoveRange(at, preimage.Count);
            image.InsertRange(at, postimage);
            patched.RemoveRange(at, preimage.Count);
            patched.InsertRange(at, Enumerable.Repeat(true, postimage.Count));
        }

        var result = new byte[image.Sum(l => l.Length)];
        var offset = 0;
        foreach (var line in image)
        {
            line.Span.CopyTo(result.AsSpan(offset));
            offset += line.Length;
        }

        return result;
    }

    private static int FindPosition(
        List<ReadOnlyMemory<byte>> image,
        List<bool> patched,
        List<ReadOnlyMemory<byte>> preimage,
        int line,
        bool matchBeginning,
        bool matchEnd)
    {
        if (preimage.Count > image.Count)
        {
            return -1;
        }

        if (matchBeginning)
        {
            line = 0;
        }
        else if (matchEnd)
        {
            line = image.Count - preimage.Count;
        }

        line = Math.Min(line, image.Count);
        int backwards = line, forwards = line, current = line;
        for (var i = 0; ; i++)
        {
            if (Matches(image, patched, preimage, current, matchBeginning, matchEnd))
            {
                return current;
            }

            while (true)
            {
                if (backwards == 0 && forwards == image.Count)
                {
                    return -1;
                }

                if ((i & 1) != 0)
                {
                    if (backwards == 0)
                    {
                        i++;
                        continue;
                    }

                    current = --backwards;
                }
                else
                {
                    if (forwards == image.Count)
                    {
                        i++;
                        continue;
                    }

                    current = ++forwards;
                }

                break;
            }
        }
    }

    private static bool Matches(
        List<ReadOnlyMemory<byte>> image,
        List<bool> patched,
        List<ReadOnlyMemory<byte>> preimage,
        int at,
        bool matchBeginning,
        bool matchEnd)
    {
        if (preimage.Count + at > image.Count || matchEnd && preimage.Count + at != image.Count
            || matchBeginning && at != 0)
        {
            return false;
        }

        for (var i = 0; i < preimage.Count; i++)
        {
            var last = i == preimage.Count - 1 && !matchEnd;
            if (patched[at + i] || !LineMatches(image[at + i].Span, preimage[i].Span, last))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// git compares the hunk's old lines with the file as one run of bytes as long as the old
    /// lines, after a check that each pair of lines has the same non-blank characters. So a last
    /// old line without its newline ("\ No newline at end of file") also matches a file line
    /// that goes on with blanks and a newline, and the whole file line is then replaced. (A hunk
    /// that must match at the end compares its length too, so there the line must be equal.)
    /// </summary>
    private static bool LineMatches(ReadOnlySpan<byte> line, ReadOnlySpan<byte> old, bool last)
    {
        if (!last || old.EndsWith("\n"u8))
        {
            return line.SequenceEqual(old);
        }

        if (!line.StartsWith(old))
        {
            return false;
        }

        foreach (var c in line[old.Length..])
        {
            if (c is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r'))
            {
                return false;
            }
        }

        return true;
    }
}
