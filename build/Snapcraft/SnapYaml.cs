using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Snapcraft;

/// <summary>
/// How this build spells YAML for snapcraft: two-space indents, sequences indented under their
/// key (as snapcraft.yaml files are written by hand), no line folding, LF line ends. Snapcraft
/// reads YAML 1.1, where <c>on</c>, <c>off</c>, <c>yes</c> or <c>010</c> are not text, so every
/// text value that YAML 1.1 would read as something else is quoted.
/// </summary>
internal static partial class SnapYaml
{
    /// <summary>A text value, quoted when YAML 1.1 would read it as a boolean, null or number.</summary>
    public static YamlScalarNode Text(string value) =>
        new(value) { Style = NotText().IsMatch(value) ? ScalarStyle.SingleQuoted : ScalarStyle.Any };

    /// <summary>A number, written plain so that it is read as one.</summary>
    public static YamlScalarNode Number(int value) =>
        new(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A script, written as a literal block so that it reads as the shell sees it.</summary>
    public static YamlScalarNode Script(string text) => new(text) { Style = ScalarStyle.Literal };

    public static YamlSequenceNode List(IEnumerable<string> values) =>
        new(values.Select(v => (YamlNode)Text(v)));

    /// <summary>A short list on one line: <c>[amd64, arm64]</c>.</summary>
    public static YamlSequenceNode FlowList(IEnumerable<string> values) =>
        new(values.Select(v => (YamlNode)Text(v))) { Style = YamlDotNet.Core.Events.SequenceStyle.Flow };

    /// <summary>The node as text, with LF line ends and without the document end marker.</summary>
    public static string Serialize(YamlNode root)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        var settings = new EmitterSettings(
            bestIndent: 2,
            bestWidth: int.MaxValue,
            isCanonical: false,
            maxSimpleKeyLength: 1024,
            skipAnchorName: false,
            indentSequences: true,
            newLine: "\n",
            useUtf16SurrogatePairs: false);
        new YamlStream(new YamlDocument(root)).Save(new Emitter(writer, settings), assignAnchors: false);
        var text = writer.ToString();

        // YamlStream ends every document with an explicit "..." marker; a snippet reads better without.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    /// <summary>
    /// A form of the node that ignores how it was written (quotes, flow or block, comments), for
    /// telling whether two nodes say the same thing.
    /// </summary>
    public static string Canonical(YamlNode node) => node switch
    {
        YamlScalarNode scalar => "'" + scalar.Value?.Replace("'", "''", StringComparison.Ordinal) + "'",
        YamlSequenceNode sequence => "[" + string.Join(",", sequence.Children.Select(Canonical)) + "]",
        YamlMappingNode mapping => "{" + string.Join(",", mapping.Children.Select(
            c => Canonical(c.Key) + ":" + Canonical(c.Value))) + "}",
        _ => "*" + node.Anchor,
    };

    /// <summary>Booleans, nulls, numbers and timestamps as YAML 1.1 (PyYAML) resolves plain scalars.</summary>
    [GeneratedRegex(
        @"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
        + @"|~|null|Null|NULL|"
        + @"|[-+]?(?:0b[01_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)"
        + @"|[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
        + @"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
        + @"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?|<<|=)$")]
    private static partial Regex NotText();
}
