using System.Text;
using SnapBuild.Recipes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Snapcraft;

/// <summary>One patch as the part applies it.</summary>
public sealed record PartPatch(string RelativePath, int StripLevel);

/// <summary>What the part is made from, beyond the recipe.</summary>
public sealed record PartInputs(Recipe Recipe, string GitUrl, IReadOnlyList<PartPatch> Patches, string PatchesDirectory);

/// <summary>
/// Writes the snapcraft part for a recipe: a <c>cmake</c> part that pulls the pinned tag,
/// applies the series in <c>override-pull</c>, and builds with the recipe's CMake options. The
/// YAML is built node by node in a fixed order, so the same inputs always give the same bytes.
/// </summary>
public static class PartWriter
{
    public static string Write(PartInputs inputs)
    {
        var recipe = inputs.Recipe;
        var part = new YamlMappingNode
        {
            { "plugin", "cmake" },
            { "source", inputs.GitUrl },
            { "source-type", "git" },
            { "source-tag", recipe.Upstream.Tag },
            { "source-depth", "1" },
            { "override-pull", Literal(OverridePull(inputs)) },
            { "cmake-generator", "Ninja" },
            { "cmake-parameters", Sequence(CMakeParameters(recipe)) },
        };
        AddList(part, "build-packages", recipe.Snap.BuildPackages);
        AddList(part, "stage-packages", recipe.Snap.StagePackages);
        AddList(part, "stage", recipe.Snap.Stage);
        AddList(part, "prime", recipe.Snap.Prime);
        if (recipe.Build.Targets.Count > 0)
        {
            part.Add("override-build", Literal(OverrideBuild(recipe)));
        }

        var document = new YamlMappingNode { { "parts", new YamlMappingNode { { recipe.Snap.Part, part } } } };
        var header = new StringBuilder()
            .Append("# The snapcraft part for ").Append(recipe.Name).Append(", written by ./build.sh --target=Snap\n")
            .Append("# from ").Append(Path.GetFileName(recipe.Path)).Append(" and its patch series. Do not edit:\n")
            .Append("# change the recipe or the series and run the build again.\n");

        return header + Serialize(document);
    }

    private static string OverridePull(PartInputs inputs)
    {
        var script = new StringBuilder("craftctl default\n");
        foreach (var patch in inputs.Patches)
        {
            script.Append("patch --batch --forward -p").Append(patch.StripLevel)
                .Append(" -i \"$CRAFT_PROJECT_DIR/").Append(inputs.PatchesDirectory).Append('/')
                .Append(patch.RelativePath).Append("\"\n");
        }

        return script.ToString();
    }

    /// <summary>
    /// The cmake plugin builds everything; when the recipe names targets, build only those and
    /// install with the same components the pipeline installs.
    /// </summary>
    private static string OverrideBuild(Recipe recipe)
    {
        var script = new StringBuilder();
        script.Append("cmake \"$CRAFT_PART_SRC\" -G Ninja ")
            .Append(string.Join(' ', CMakeParameters(recipe).Select(ShellQuote))).Append('\n');
        script.Append("cmake --build . --parallel \"$CRAFT_PARALLEL_BUILD_COUNT\" --target ")
            .Append(string.Join(' ', recipe.Build.Targets)).Append('\n');
        if (recipe.Build.InstallComponents.Count == 0)
        {
            script.Append("DESTDIR=\"$CRAFT_PART_INSTALL\" cmake --install .\n");
        }

        foreach (var component in recipe.Build.InstallComponents)
        {
            script.Append("DESTDIR=\"$CRAFT_PART_INSTALL\" cmake --install . --component ")
                .Append(component).Append('\n');
        }

        return script.ToString();
    }

    private static List<string> CMakeParameters(Recipe recipe)
    {
        // The part builds for the machine snapcraft runs on, so only the common options apply;
        // per-architecture options come in through the architecture-specific forms.
        var parameters = new List<string> { $"-DCMAKE_INSTALL_PREFIX={recipe.Build.Prefix}" };
        parameters.AddRange(recipe.Build.Options
            .Where(o => o.Key != "CMAKE_INSTALL_PREFIX")
            .Select(o => $"-D{o.Key}={o.Value}"));

        return parameters;
    }

    private static string ShellQuote(string value) =>
        value.All(c => char.IsLetterOrDigit(c) || "-_./=:+,@".Contains(c))
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void AddList(YamlMappingNode node, string key, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            node.Add(key, Sequence(values));
        }
    }

    private static YamlSequenceNode Sequence(IEnumerable<string> values) =>
        new(values.Select(v => (YamlNode)new YamlScalarNode(v)));

    private static YamlScalarNode Literal(string text) => new(text) { Style = ScalarStyle.Literal };

    private static string Serialize(YamlNode root)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();

        // YamlStream ends every document with an explicit "..." marker; a snippet reads better without.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }
}
