using SnapBuild.Common;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Snapcraft;

/// <summary>
/// The keys a snapcraft part may have. craft-parts' part specification forbids any key it does not
/// know, and each plugin adds its own; snapcraft reads <c>parse-info</c> itself before handing the
/// part to craft-parts. The list is kept here, not read from the tools, so the tests and CI check
/// parts without snapcraft installed (craft-parts' <c>parts.py</c> and <c>plugins/</c>, 2026).
/// </summary>
public static class PartKeys
{
    /// <summary>Keys every part accepts, whatever its plugin.</summary>
    public static IReadOnlyList<string> Common { get; } =
    [
        "plugin", "source", "source-checksum", "source-channel", "source-branch", "source-commit",
        "source-depth", "source-subdir", "source-submodules", "source-tag", "source-type",
        "disable-parallel", "after", "overlay-packages", "overlay-recommended-packages", "stage-snaps",
        "stage-packages", "build-snaps", "build-packages", "build-environment", "build-attributes",
        "organize", "overlay", "stage", "prime", "override-pull", "overlay-script", "override-overlay",
        "override-build", "override-stage", "override-prime", "permissions", "parse-info",
    ];

    /// <summary>The plugins this build writes parts for, with the keys each adds.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> PluginKeys { get; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["cmake"] = ["cmake-parameters", "cmake-generator"],
            ["dump"] = [],
            ["nil"] = [],
        };

    /// <summary>
    /// Keys the writer sets from the recipe itself, which <c>snap.extra</c> therefore may not
    /// set: two sources for one key would leave one of them silently unused.
    /// </summary>
    public static IReadOnlyList<string> Written { get; } =
    [
        "plugin", "source", "source-type", "source-tag", "source-depth", "after", "override-pull",
        "override-build", "build-environment", "cmake-parameters", "cmake-generator", "build-packages",
        "stage-packages", "stage", "prime",
    ];

    /// <summary>Every key some plugin of <see cref="PluginKeys"/> accepts.</summary>
    public static IReadOnlyList<string> Any { get; } =
        [.. Common, .. PluginKeys.Values.SelectMany(k => k).Distinct(StringComparer.Ordinal)];

    /// <summary>The keys a part with this plugin accepts.</summary>
    public static IReadOnlyList<string> For(string plugin) =>
        PluginKeys.TryGetValue(plugin, out var own) ? [.. Common, .. own] : Common;

    /// <summary>
    /// Refuses a part that snapcraft would refuse: a plugin this build does not know, or a key
    /// that craft-parts does not accept for the part's plugin. Runs before anything is written.
    /// </summary>
    /// <param name="origin">Where the part's settings come from, for the message (the recipe).</param>
    public static void Check(string name, YamlMappingNode part, string origin)
    {
        var plugin = part.Children.TryGetValue(new YamlScalarNode("plugin"), out var value)
            ? (value as YamlScalarNode)?.Value
            : null;
        if (plugin is null || !PluginKeys.ContainsKey(plugin))
        {
            throw new BuildException(
                $"The snap part '{name}' has the plugin '{plugin ?? "(none)"}', which this build does not write parts "
                + $"for; use one of {string.Join(", ", PluginKeys.Keys)} ({origin}).");
        }

        var accepted = For(plugin);
        foreach (var key in part.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? string.Empty))
        {
            if (!accepted.Contains(key, StringComparer.Ordinal))
            {
                var hint = Suggestions.Nearest(key, accepted) is { } nearest ? $" (did you mean '{nearest}'?)" : "";

                throw new BuildException(
                    $"The snap part '{name}' has the key '{key}', which craft-parts does not accept for a {plugin} part"
                    + $"{hint}; remove it from 'snap.extra' in {origin}.");
            }
        }
    }
}
