using System.Text;
using SnapBuild.Common;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Snapcraft;

/// <summary>What an in-place update did to a snapcraft.yaml.</summary>
/// <param name="Text">The file's new text (the old one when nothing changed).</param>
/// <param name="Replaced">Parts that were in the file and were replaced.</param>
/// <param name="Added">Parts that were not in the file and were added at the end of <c>parts:</c>.</param>
/// <param name="Warnings">Things the file says that the written parts may not serve.</param>
public sealed record SnapcraftYamlUpdate(
    string Text,
    bool Changed,
    IReadOnlyList<string> Replaced,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Warnings);

/// <summary>
/// Replaces this build's parts inside an application's snapcraft.yaml and leaves every other byte
/// as it was: comments, key order, blank lines, other parts, CRLF line ends and a byte order mark.
/// The parts are found through the YAML parser's own positions, not by matching text, and each one
/// is replaced from the start of its name's line to the end of its last value's line; comments
/// before a part stay where they are. The result is parsed again and compared with the original,
/// part by part, before it is written, atomically.
/// </summary>
public static class SnapcraftYamlUpdater
{
    private static readonly UTF8Encoding StrictUtf8 =
        new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The snap project a snapcraft.yaml belongs to, against which the part's relative paths are
    /// resolved: its folder, or the folder above <c>snap/</c> and <c>build-aux/snap/</c>, where
    /// snapcraft also looks for the file.
    /// </summary>
    public static string ProjectDirectory(string snapcraftYaml)
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(snapcraftYaml))!);
        if (directory.Name != "snap" || directory.Parent is null)
        {
            return directory.FullName;
        }

        return directory.Parent.Name == "build-aux" && directory.Parent.Parent is not null
            ? directory.Parent.Parent.FullName
            : directory.Parent.FullName;
    }

    /// <summary>Updates the file in place; writes nothing when its parts are already these.</summary>
    public static SnapcraftYamlUpdate Update(string path, PartDocument document)
    {
        if (!File.Exists(path))
        {
            throw new UsageException(
                $"The snapcraft.yaml {path} does not exist; "
                + "pass --snapcraft-yaml with the path of the snap's snapcraft.yaml.");
        }

        // Write through a symbolic link, not over it, so that a linked snapcraft.yaml stays linked.
        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        var bytes = File.ReadAllBytes(target);
        var bom = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble);
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes.AsSpan(bom ? 3 : 0));
        }
        catch (DecoderFallbackException exception)
        {
            throw new UsageException(
                $"{path} is not UTF-8 text, so it cannot be a snapcraft.yaml; check the path.", exception);
        }

        var update = Apply(path, text, document);
        if (!update.Changed)
        {
            return update;
        }

        var mode = OperatingSystem.IsWindows() ? (UnixFileMode?)null : File.GetUnixFileMode(target);
        byte[] encoded = [.. (bom ? Encoding.UTF8.Preamble : []), .. StrictUtf8.GetBytes(update.Text)];
        AtomicFile.WriteAllBytes(target, encoded);
        if (mode is { } keep && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, keep);
        }

        return update;
    }

    /// <summary>The text with the document's parts replaced or added.</summary>
    /// <param name="file">The file's name in messages.</param>
    public static SnapcraftYamlUpdate Apply(string file, string text, PartDocument document)
    {
        var before = LoadRoot(file, text, "");
        var layout = Locate(file, text);
        var warnings = new List<string>();
        CheckBase(file, before, layout, document.Base);
        warnings.AddRange(CoverageWarnings(file, before, document));

        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var edits = new List<(int Start, int End, string Text)>();
        var replaced = new List<string>();
        var added = new List<string>();
        var appendAt = layout.Parts.Count > 0 ? layout.Parts[^1].End : layout.ContentEnd;
        var indent = new string(' ', layout.Parts.Count > 0 ? layout.Parts[0].Indent : 2);
        var appended = new StringBuilder();

        // A file that keeps its parts apart with blank lines gets one before each added part too.
        var separator = layout.Parts.Count > 1 && IsBlankLine(text, layout.Parts[^2].End) ? newline : string.Empty;
        foreach (var part in document.Parts)
        {
            var rendered = Indent(part.Text, indent, newline);
            if (layout.Parts.FirstOrDefault(p => p.Name == part.Name) is { } existing)
            {
                edits.Add((existing.Start, existing.End, rendered));
                replaced.Add(part.Name);
            }
            else
            {
                appended.Append(separator).Append(rendered);
                added.Add(part.Name);
            }
        }

        if (appended.Length > 0)
        {
            var lead = appendAt > 0 && text[appendAt - 1] != '\n' ? newline : string.Empty;
            edits.Add((appendAt, appendAt, lead + appended));
        }

        var result = new StringBuilder(text);
        foreach (var (start, end, replacement) in edits.OrderByDescending(e => e.Start))
        {
            result.Remove(start, end - start).Insert(start, replacement);
        }

        var updated = result.ToString();
        CheckResult(file, before, LoadRoot(file, updated, " after the update"), document);
        foreach (var unused in document.Unused.Where(u => layout.Parts.Any(p => p.Name == u)))
        {
            warnings.Add($"{file} still has the part {unused}, which this form of the part does not use; "
                + "delete it unless another part is after it");
        }

        return new SnapcraftYamlUpdate(updated, updated != text, replaced, added, warnings);
    }

    /// <summary>Where one part is in the file: from the start of its name's line to the end of its last line.</summary>
    private sealed record PartRange(string Name, int Start, int End, int Indent);

    /// <summary>The parts in file order, where the <c>parts:</c> mapping's content ends, and the base's node.</summary>
    private sealed record Layout(IReadOnlyList<PartRange> Parts, int ContentEnd, Mark? BaseAt);

    /// <summary>
    /// Walks the parser's events of the top-level mapping to find <c>parts:</c> and, in it, the
    /// name and the last character of every part. Block collections end where the next token
    /// starts, after any comments, so a part ends at its last scalar or flow collection instead.
    /// </summary>
    private static Layout Locate(string file, string text)
    {
        try
        {
            return LocateParts(file, text);
        }
        catch (YamlException exception)
        {
            throw new UsageException(
                $"{file}:{exception.Start.Line}:{exception.Start.Column}: {exception.Message.TrimEnd('.')}, where a "
                + "snapcraft.yaml has keys; fix the file or pass another --snapcraft-yaml.",
                exception);
        }
    }

    private static Layout LocateParts(string file, string text)
    {
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        parser.Consume<DocumentStart>();
        if (!parser.TryConsume<MappingStart>(out _))
        {
            throw NotSnapcraftYaml(file);
        }

        Layout? layout = null;
        Mark? baseAt = null;
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = parser.Consume<Scalar>();
            if (key.Value == "base" && parser.Current is Scalar)
            {
                baseAt = parser.Current.Start;
            }

            if (key.Value != "parts")
            {
                Skip(parser);
                continue;
            }

            if (!parser.TryConsume<MappingStart>(out var start) || start.Style != MappingStyle.Block)
            {
                throw new UsageException(
                    $"{file}:{key.Start.Line}:{key.Start.Column}: 'parts' is not a block mapping of part names "
                    + "to parts; write it as one, each part on lines of its own, so that a part can be replaced.");
            }

            var parts = new List<PartRange>();
            var contentEnd = LineEnd(text, (int)key.End.Index);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var name = parser.Consume<Scalar>();
                var nameStart = (int)name.Start.Index;
                var last = Skip(parser, (int)name.End.Index);
                var lineStart = nameStart == 0 ? 0 : text.LastIndexOf('\n', nameStart - 1) + 1;
                if (text[lineStart..nameStart].Any(c => c != ' '))
                {
                    throw new UsageException(
                        $"{file}:{name.Start.Line}:{name.Start.Column}: the part '{name.Value}' does not start "
                        + "a line of its own; put each part's name on a line of its own.");
                }

                var end = LineEnd(text, last);
                parts.Add(new PartRange(name.Value, lineStart, end, nameStart - lineStart));
                contentEnd = end;
            }

            layout = new Layout(parts, contentEnd, null);
        }

        parser.Consume<DocumentEnd>();
        if (parser.Current is DocumentStart)
        {
            throw new UsageException($"{file} holds more than one YAML document; a snapcraft.yaml is one.");
        }

        return (layout ?? throw new UsageException(
            $"{file} has no 'parts' mapping, so there is no part to replace; add 'parts:' with the snap's parts."))
            with { BaseAt = baseAt };
    }

    /// <summary>
    /// Consumes one node; returns the index after its last character (or <paramref name="from"/>).
    /// A block collection's end event is an empty mark where the next token starts, which may be
    /// several comment lines further on, so only scalars, aliases and the closing bracket of a flow
    /// collection count.
    /// </summary>
    private static int Skip(Parser parser, int from = 0)
    {
        var last = from;
        var open = new Stack<bool>();
        do
        {
            var current = parser.Current ?? throw new InvalidOperationException("The YAML parser ended inside a node.");
            switch (current)
            {
                case Scalar or AnchorAlias:
                    last = Math.Max(last, (int)current.End.Index);
                    break;
                case MappingStart start:
                    open.Push(start.Style == MappingStyle.Flow);
                    break;
                case SequenceStart start:
                    open.Push(start.Style == SequenceStyle.Flow);
                    break;
                case MappingEnd or SequenceEnd:
                    if (open.Pop())
                    {
                        last = Math.Max(last, (int)current.Start.Index + 1);
                    }

                    break;
            }

            parser.MoveNext();
        }
        while (open.Count > 0);

        return last;
    }

    /// <summary>The index after the line of the last non-blank character before <paramref name="index"/>.</summary>
    private static int LineEnd(string text, int index)
    {
        var last = Math.Min(index, text.Length);
        while (last > 0 && char.IsWhiteSpace(text[last - 1]))
        {
            last--;
        }

        var newline = text.IndexOf('\n', last);

        return newline < 0 ? text.Length : newline + 1;
    }

    private static bool IsBlankLine(string text, int index) =>
        text.AsSpan(index).StartsWith("\n") || text.AsSpan(index).StartsWith("\r\n");

    private static string Indent(string text, string indent, string newline)
    {
        var lines = text.TrimEnd('\n').Split('\n');

        return string.Concat(lines.Select(l => (l.Length == 0 ? l : indent + l) + newline));
    }

    private static YamlMappingNode LoadRoot(string file, string text, string when)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException exception)
        {
            throw new UsageException(
                $"{file}:{exception.Start.Line}:{exception.Start.Column}: not valid YAML{when}: "
                + $"{exception.Message.TrimEnd('.')}; fix the file or pass another --snapcraft-yaml.",
                exception);
        }

        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root
            ? root
            : throw NotSnapcraftYaml(file);
    }

    private static void CheckBase(string file, YamlMappingNode root, Layout layout, SnapBase written)
    {
        var declared = ScalarValue(root, "base");
        if (declared == "bare")
        {
            declared = ScalarValue(root, "build-base");
        }

        if (declared is null || SnapBases.Parse(declared) == written)
        {
            return;
        }

        var at = layout.BaseAt is { } mark ? $"{file}:{mark.Line}:{mark.Column}" : file;
        var fix = SnapBases.Parse(declared) is not null
            ? $"pass --base={declared} or set 'snap.base: {declared}' in the recipe"
            : $"this build writes parts for {string.Join(" and ", SnapBases.Names)}";

        throw new UsageException(
            $"{at}: the snap's base is {declared}, but the part is written for {written.Name()}; {fix}.");
    }

    /// <summary>
    /// The prebuilt part has a source only for the architectures it has trees for; a snap built
    /// for another one would stop in snapcraft with the part's source missing.
    /// </summary>
    private static IEnumerable<string> CoverageWarnings(string file, YamlMappingNode root, PartDocument document)
    {
        var part = document.Parts[0].Node;
        if (!part.Children.TryGetValue(new YamlScalarNode("source"), out var source)
            || source is not YamlSequenceNode choices)
        {
            yield break;
        }

        var served = choices.Children.OfType<YamlMappingNode>()
            .SelectMany(c => c.Children.Keys.OfType<YamlScalarNode>())
            .Select(k => k.Value!["to ".Length..])
            .ToHashSet(StringComparer.Ordinal);
        foreach (var target in BuildTargets(root).Where(t => !served.Contains(t)).Distinct())
        {
            yield return $"{file} builds the snap for {target}, but the prebuilt part has no staged tree for it; "
                + $"build it with --arch or drop {target} from the snap";
        }
    }

    /// <summary>What the snap's build plan builds for: core22's architectures, core24's platforms.</summary>
    private static IEnumerable<string> BuildTargets(YamlMappingNode root)
    {
        static IEnumerable<string> Names(YamlNode? node) => node switch
        {
            YamlScalarNode { Value: { Length: > 0 } name } => [name],
            YamlSequenceNode list => list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? ""),
            _ => [],
        };

        static YamlNode? Child(YamlNode node, string key) =>
            node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value)
                ? value
                : null;

        if (Child(root, "platforms") is YamlMappingNode platforms)
        {
            foreach (var (name, platform) in platforms.Children)
            {
                var buildFor = Names(Child(platform, "build-for")).ToList();
                foreach (var target in buildFor.Count > 0 ? buildFor : Names(name))
                {
                    yield return target;
                }
            }
        }

        if (Child(root, "architectures") is YamlSequenceNode architectures)
        {
            foreach (var entry in architectures.Children)
            {
                var targets = entry is YamlScalarNode
                    ? Names(entry)
                    : Names(Child(entry, "build-for") ?? Child(entry, "build-on"));
                foreach (var target in targets)
                {
                    yield return target;
                }
            }
        }
    }

    /// <summary>
    /// The update's own proof: every top-level key but <c>parts</c> says the same as before, every
    /// other part is unchanged and in its place, and this build's parts read as they were written.
    /// </summary>
    private static void CheckResult(string file, YamlMappingNode before, YamlMappingNode after, PartDocument document)
    {
        static List<string> Keys(YamlMappingNode node) => node.Children.Keys.Select(SnapYaml.Canonical).ToList();

        var ours = document.Parts.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var oldParts = (YamlMappingNode)before.Children[new YamlScalarNode("parts")];
        var newParts = (YamlMappingNode)after.Children[new YamlScalarNode("parts")];
        var expectedOrder = Keys(oldParts)
            .Concat(document.Parts.Select(p => SnapYaml.Canonical(new YamlScalarNode(p.Name))))
            .Distinct()
            .ToList();
        if (!Keys(before).SequenceEqual(Keys(after)) || !Keys(newParts).SequenceEqual(expectedOrder))
        {
            throw new BuildException(
                $"Updating {file} would change its keys or the order of its parts; nothing was written.");
        }

        var changed = before.Children
            .Where(c => c.Key is not YamlScalarNode { Value: "parts" })
            .Where(c => SnapYaml.Canonical(c.Value) != SnapYaml.Canonical(after.Children[c.Key]))
            .Select(c => $"'{c.Key}'")
            .Concat(oldParts.Children
                .Where(p => !ours.Contains(((YamlScalarNode)p.Key).Value ?? ""))
                .Where(p => SnapYaml.Canonical(p.Value) != SnapYaml.Canonical(newParts.Children[p.Key]))
                .Select(p => $"the part '{p.Key}'"))
            .FirstOrDefault();
        if (changed is not null)
        {
            throw new BuildException(
                $"Updating {file} would change {changed}, which is not this build's; nothing was written.");
        }

        foreach (var part in document.Parts)
        {
            if (SnapYaml.Canonical(newParts.Children[new YamlScalarNode(part.Name)]) != SnapYaml.Canonical(part.Node))
            {
                throw new BuildException(
                    $"The part {part.Name} does not read back from {file} as written; nothing was written.");
            }
        }
    }

    private static UsageException NotSnapcraftYaml(string file) =>
        new($"{file}: the top level is not a mapping of keys, so this is not a snapcraft.yaml.");

    private static string? ScalarValue(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;
}
