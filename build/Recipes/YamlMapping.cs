using SnapBuild.Common;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Recipes;

/// <summary>
/// A YAML mapping read with its position in the file, so every error can say
/// <c>file:line:column</c>. Each key must be claimed by the reader; <see cref="RejectUnknownKeys"/>
/// then names any key nobody asked for, with the nearest valid one.
/// </summary>
internal sealed class YamlMapping
{
    private readonly YamlMappingNode node;
    private readonly HashSet<string> known = new(StringComparer.Ordinal);

    public YamlMapping(string file, string context, YamlNode node)
    {
        File = file;
        Context = context;
        this.node = node as YamlMappingNode
            ?? throw Error(file, node, $"'{context}' must be a mapping of keys to values");
    }

    public string File { get; }

    public string Context { get; }

    public string Here => Position(File, node);

    /// <summary>The dotted name of a key below this mapping, as messages show it.</summary>
    public string Qualified(string key) => Context == "recipe" ? key : $"{Context}.{key}";

    public IEnumerable<string> Keys => node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "");

    public static UsageException Error(string file, YamlNode at, string problem) =>
        new($"{Position(file, at)}: {problem}.");

    public static string Position(string file, YamlNode at) =>
        $"{file}:{at.Start.Line}:{at.Start.Column}";

    public string RequiredString(string key) =>
        OptionalString(key) ?? throw Error(File, node, $"'{Context}' needs the key '{key}'");

    public string? OptionalString(string key)
    {
        var value = Find(key);
        if (value is null)
        {
            return null;
        }

        if (value is not YamlScalarNode scalar || scalar.Value is null || scalar.Value.Length == 0)
        {
            throw Error(File, value, $"'{Qualified(key)}' must be a non-empty text value");
        }

        return scalar.Value;
    }

    public bool OptionalBool(string key, bool fallback)
    {
        var value = OptionalString(key);
        if (value is null)
        {
            return fallback;
        }

        return value switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(File, Find(key)!, $"'{Qualified(key)}' must be true or false, not '{value}'"),
        };
    }

    public IReadOnlyList<string> StringList(string key) => StringItems(key).Select(i => i.Value).ToList();

    /// <summary>The text items of a list-valued key, each with its node for messages.</summary>
    public IReadOnlyList<(string Value, YamlNode Node)> StringItems(string key) =>
        Sequence(key)
            .Select(item => item is YamlScalarNode { Value: { Length: > 0 } text }
                ? (text, item)
                : throw Error(File, item, $"each item of '{Qualified(key)}' must be a text value"))
            .ToList();

    /// <summary>Every entry with its key's node, in file order, claiming all keys (for mappings kept as is).</summary>
    public IReadOnlyList<(string Key, YamlNode KeyNode, YamlNode Value)> Entries()
    {
        var entries = new List<(string, YamlNode, YamlNode)>();
        foreach (var (key, value) in node.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? throw Error(File, key, $"keys of '{Context}' must be text");
            known.Add(name);
            entries.Add((name, key, value));
        }

        return entries;
    }

    public IReadOnlyList<YamlMapping> MappingList(string key) =>
        Sequence(key)
            .Select((item, i) => new YamlMapping(File, $"{Qualified(key)}[{i}]", item))
            .ToList();

    /// <summary>The items of a list-valued key; none when the key is absent.</summary>
    private IEnumerable<YamlNode> Sequence(string key) => Find(key) switch
    {
        null => [],
        YamlSequenceNode sequence => sequence.Children,
        var other => throw Error(File, other, $"'{Qualified(key)}' must be a list"),
    };

    public YamlMapping? OptionalMapping(string key)
    {
        var value = Find(key);

        return value is null ? null : new YamlMapping(File, Qualified(key), value);
    }

    public YamlMapping RequiredMapping(string key) =>
        OptionalMapping(key) ?? throw Error(File, node, $"'{Context}' needs the key '{key}'");

    /// <summary>All entries as ordered text pairs (for CMake options).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AsPairs()
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in node.Children)
        {
            var name = (key as YamlScalarNode)?.Value
                ?? throw Error(File, key, $"keys of '{Context}' must be text");
            known.Add(name);
            if (value is not YamlScalarNode scalar)
            {
                throw Error(File, value, $"'{Qualified(name)}' must be a text value");
            }

            pairs.Add(new(name, scalar.Value ?? string.Empty));
        }

        return pairs;
    }

    /// <summary>Claims every key (for mappings whose keys are data, such as architectures).</summary>
    public void ClaimAll()
    {
        foreach (var key in Keys)
        {
            known.Add(key);
        }
    }

    public YamlNode NodeOf(string key) => Find(key) ?? node;

    public void RejectUnknownKeys()
    {
        foreach (var key in node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!known.Contains(name))
            {
                var hint = Suggestions.Nearest(name, known) is { } nearest
                    ? $"; did you mean '{nearest}'?"
                    : $"; valid keys are {string.Join(", ", known.Order(StringComparer.Ordinal))}";

                throw Error(File, key, $"unknown key '{name}' in '{Context}'{hint}");
            }
        }
    }

    /// <summary>Marks keys as valid without reading them, so unknown-key checks know all options.</summary>
    public void Allow(params string[] keys)
    {
        foreach (var key in keys)
        {
            known.Add(key);
        }
    }

    public static YamlMapping Load(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException exception)
        {
            throw new UsageException(
                $"{file}:{exception.Start.Line}:{exception.Start.Column}: not valid YAML: "
                + $"{exception.Message.TrimEnd('.')}.",
                exception);
        }

        if (stream.Documents.Count == 0)
        {
            throw new UsageException($"{file}: the recipe is empty; see README.md for the format.");
        }

        return new YamlMapping(file, "recipe", stream.Documents[0].RootNode);
    }

    private YamlNode? Find(string key)
    {
        known.Add(key);

        return node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }
}
