using System.Globalization;
using System.Text;
using SnapBuild.Common;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Sources;

/// <summary>What one source resolved the release tag to.</summary>
public sealed record LockedSource(string Source, string Commit, string? Sha256);

/// <summary>
/// <c>recipes/&lt;name&gt;.lock</c>: what the recipe's release resolved to, per source (the tag's
/// commit; for tarballs also the tarball's SHA-256 and the commit its import produced). Written
/// on first resolution or by the Lock target; checked on every later run.
/// </summary>
public sealed class LockFile
{
    private readonly SortedDictionary<string, LockedSource> sources = new(StringComparer.Ordinal);

    public LockFile(string path, string tag)
    {
        Path = path;
        Tag = tag;
    }

    public string Path { get; }

    public string Tag { get; }

    public IReadOnlyCollection<LockedSource> Sources => sources.Values;

    public LockedSource? Find(string source) => sources.GetValueOrDefault(source);

    public void Set(LockedSource entry) => sources[entry.Source] = entry;

    /// <summary>Reads the lock; a missing file or one for another tag gives null.</summary>
    public static LockFile? Read(string path, string tag)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(path)));
        }
        catch (YamlDotNet.Core.YamlException exception)
        {
            throw new UsageException(
                $"The lock {path} is not valid YAML ({exception.Message.TrimEnd('.')}); "
                + "delete it and run --target=Lock to write it again.",
                exception);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new UsageException($"The lock {path} is empty or malformed; delete it and run --target=Lock.");
        }

        var lockedTag = Scalar(root, "tag", path);
        if (lockedTag != tag)
        {
            return null;
        }

        var file = new LockFile(path, tag);
        if (root.Children.TryGetValue(new YamlScalarNode("sources"), out var list) && list is YamlSequenceNode items)
        {
            foreach (var item in items.Children.OfType<YamlMappingNode>())
            {
                var sha = item.Children.TryGetValue(new YamlScalarNode("sha256"), out var s)
                    ? ((YamlScalarNode)s).Value
                    : null;
                file.Set(new LockedSource(Scalar(item, "source", path), Scalar(item, "commit", path), sha));
            }
        }

        return file;
    }

    /// <summary>Writes the lock atomically; the bytes depend only on its content.</summary>
    public void Write()
    {
        var text = new StringBuilder();
        text.Append("# Written by ./build.sh --target=Lock: what the recipe's release resolved to.\n");
        text.Append("# A tag that no longer points at the commit below stops the build.\n");
        text.Append(CultureInfo.InvariantCulture, $"tag: {Quote(Tag)}\n");
        text.Append("sources:\n");
        foreach (var entry in sources.Values)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - source: {Quote(entry.Source)}\n");
            text.Append(CultureInfo.InvariantCulture, $"    commit: {entry.Commit}\n");
            if (entry.Sha256 is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"    sha256: {entry.Sha256}\n");
            }
        }

        AtomicFile.WriteIfChanged(Path, text.ToString());
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Scalar(YamlMappingNode node, string key, string path) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { } text }
            ? text
            : throw new UsageException(
                $"The lock {path} lacks '{key}' at line {node.Start.Line}; delete it and run --target=Lock.");
}
