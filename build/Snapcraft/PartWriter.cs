using System.Text;
using SnapBuild.Common;
using SnapBuild.Recipes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Snapcraft;

/// <summary>One patch as the part applies it.</summary>
/// <param name="RelativePath">The patch file, relative to the series' folder.</param>
/// <param name="Sha256">The patch's SHA-256 when the part was written; the part checks it.</param>
public sealed record PartPatch(string RelativePath, int StripLevel, string Sha256);

/// <summary>What the part is made from, beyond the recipe. Paths are relative to the snap project.</summary>
public sealed record PartInputs
{
    public required Recipe Recipe { get; init; }

    public required PartForm Form { get; init; }

    public required SnapBase Base { get; init; }

    /// <summary>The architectures the snap is built for, in order.</summary>
    public required IReadOnlyList<string> Architectures { get; init; }

    /// <summary>The source form's git remote, from which snapcraft pulls the recipe's tag.</summary>
    public string? GitUrl { get; init; }

    /// <summary>The source form's series, in order.</summary>
    public IReadOnlyList<PartPatch> Patches { get; init; } = [];

    /// <summary>The series' folder, relative to the snap project, with forward slashes.</summary>
    public string PatchesDirectory { get; init; } = string.Empty;

    /// <summary>The prebuilt form's staged tree of each architecture, relative to the snap project.</summary>
    public IReadOnlyDictionary<string, string> StagedTrees { get; init; } = new Dictionary<string, string>();

    /// <summary>The architecture of the machine that built the staged trees (the prebuilt form's build-on).</summary>
    public string BuildHost { get; init; } = "amd64";

    /// <summary>The prebuilt form's <c>source-type</c>: <c>local</c> for staged trees, <c>tar</c> for a release's tarballs.</summary>
    public string PrebuiltSourceType { get; init; } = "local";
}

/// <summary>One part of a snapcraft.yaml, as this build writes it.</summary>
public sealed record WrittenPart(string Name, YamlMappingNode Node, string Comment)
{
    /// <summary>The part as YAML at column 0: its name, a comment saying where it comes from, its keys.</summary>
    public string Text
    {
        get
        {
            var body = SnapYaml.Serialize(new YamlMappingNode { { Name, Node } });
            var firstLine = body.IndexOf('\n', StringComparison.Ordinal) + 1;

            return body[..firstLine] + "  # " + Comment + "\n" + body[firstLine..];
        }
    }
}

/// <summary>The written parts, and the snippet that shows them with the build plan of their base.</summary>
/// <param name="Unused">Parts the other form writes and this one does not: the prebuilt form's patches part.</param>
public sealed record PartDocument(
    string Snippet,
    IReadOnlyList<WrittenPart> Parts,
    SnapBase Base,
    IReadOnlyList<string> Unused);

/// <summary>
/// Writes the snapcraft part for a recipe in one of two forms. The source form is a <c>cmake</c>
/// part that pulls the pinned tag, applies the series in <c>override-pull</c> and builds with the
/// recipe's CMake options, with a companion <c>dump</c> part that carries the series (primed out).
/// The prebuilt form is a <c>dump</c> part over the tree this project staged for each
/// architecture. The YAML is built node by node in a fixed order, so the same inputs always give
/// the same bytes, and every part is checked against the keys craft-parts accepts before any of it
/// is written.
/// </summary>
public static class PartWriter
{
    /// <summary>
    /// The environment variable through which per-architecture CMake options reach the build.
    /// Snapcraft applies its <c>to &lt;arch&gt;</c> grammar to a fixed set of part keys:
    /// <c>build-environment</c> is among them for core22 (snapcraft's own list: source,
    /// build-environment, build-packages, stage-packages, build-snaps, stage-snaps) and core24
    /// (craft-application: every common part key), but plugin keys such as
    /// <c>cmake-parameters</c> are not, for either base. So the options are set per target
    /// architecture in <c>build-environment</c> and expanded, unquoted, in the parameters.
    /// </summary>
    public const string ArchParametersVariable = "SNAPBUILD_ARCH_CMAKE_PARAMETERS";

    private const string ArchParametersReference = "${" + ArchParametersVariable + ":-}";

    public static PartDocument Write(PartInputs inputs)
    {
        var recipe = inputs.Recipe;
        var origin = Path.GetFileName(recipe.Path);
        var parts = inputs.Form == PartForm.Source
            ? new List<WrittenPart> { SourcePart(inputs, origin), PatchesPart(inputs, origin) }
            : [PrebuiltPart(inputs, origin)];
        var partsNode = new YamlMappingNode();
        foreach (var part in parts)
        {
            PartKeys.Check(part.Name, part.Node, recipe.Path);
            partsNode.Add(part.Name, part.Node);
        }

        var plan = inputs.Base == SnapBase.Core22 ? "architectures" : "platforms";

        var document = new YamlMappingNode
        {
            { "base", inputs.Base.Name() },
            { plan, BuildPlan(inputs) },
            { "parts", partsNode },
        };
        var header =
            $"# The snapcraft parts for {recipe.Name}, {inputs.Form.Name()} form, {inputs.Base.Name()}: "
            + $"written by ./build.sh --target=Snap from {origin}\n"
            + "# and its patch series. Do not edit them here: change the recipe or the series and run the\n"
            + "# build again. Copy the parts into a snapcraft.yaml, or let --snapcraft-yaml=PATH replace\n"
            + $"# them there; base and {plan} show what they were written for.\n";
        var snippet = header + SnapYaml.Serialize(document);
        CheckReadBack(snippet, document);
        var unused = inputs.Form == PartForm.Source ? [] : new[] { recipe.Snap.PatchesPart };

        return new PartDocument(snippet, parts, inputs.Base, unused);
    }

    private static WrittenPart SourcePart(PartInputs inputs, string origin)
    {
        var recipe = inputs.Recipe;
        var gitUrl = inputs.GitUrl ?? throw new BuildException(
            $"{recipe.Path}: the source form pulls with git, so the recipe needs a 'git' source or --upstream-url.");
        var archParameters = ArchParameters(inputs);
        var part = new YamlMappingNode
        {
            { "plugin", "cmake" },
            { "source", SnapYaml.Text(gitUrl) },
            { "source-type", "git" },
            { "source-tag", SnapYaml.Text(recipe.Upstream.Tag) },
            { "source-depth", SnapYaml.Number(1) },
            { "after", SnapYaml.List([recipe.Snap.PatchesPart]) },
            { "override-pull", SnapYaml.Script(OverridePull(inputs)) },
        };
        if (archParameters.Children.Count > 0)
        {
            part.Add("build-environment", archParameters);
        }

        part.Add("cmake-generator", "Ninja");
        part.Add("cmake-parameters", SnapYaml.List(CMakeParameters(recipe, archParameters.Children.Count > 0)));
        if (recipe.Build.Targets.Count > 0)
        {
            part.Add("override-build", SnapYaml.Script(OverrideBuild(recipe, archParameters.Children.Count > 0)));
        }

        AddList(part, "build-packages", recipe.Snap.BuildPackages);
        AddCommon(part, recipe);

        return new WrittenPart(recipe.Snap.Part, part,
            $"Written by ./build.sh --target=Snap from {origin} (source form); change the recipe, not this part.");
    }

    /// <summary>
    /// The series as a part of its own, the way application snaps carry their patches: a dump of
    /// the series' folder, moved under the part's name in the stage so it cannot collide with
    /// another part's files, and kept out of the snap.
    /// </summary>
    private static WrittenPart PatchesPart(PartInputs inputs, string origin)
    {
        var snap = inputs.Recipe.Snap;
        var part = new YamlMappingNode
        {
            { "plugin", "dump" },
            { "source", SnapYaml.Text(inputs.PatchesDirectory) },
            { "source-type", "local" },
            { "organize", new YamlMappingNode { { SnapYaml.Text("*"), SnapYaml.Text(snap.PatchesPart + "/") } } },
            { "prime", SnapYaml.List(["-*"]) },
        };

        return new WrittenPart(snap.PatchesPart, part,
            $"Written by ./build.sh --target=Snap: the patch series of {origin}, which {snap.Part} applies.");
    }

    /// <summary>
    /// The prebuilt form picks each architecture's staged tree with <c>to &lt;arch&gt;</c>, which
    /// selects on the architecture the snap is built for, for core22 and core24 alike; <c>on</c>
    /// selects on the machine snapcraft runs on, which is the wrong tree whenever a snap for arm64
    /// or armhf is packed on amd64, as the trees built here can be. An architecture without a
    /// tree leaves the part without a source, which snapcraft refuses.
    /// </summary>
    private static WrittenPart PrebuiltPart(PartInputs inputs, string origin)
    {
        var recipe = inputs.Recipe;
        var source = new YamlSequenceNode();
        foreach (var architecture in inputs.Architectures)
        {
            var tree = inputs.StagedTrees.GetValueOrDefault(architecture) ?? throw new BuildException(
                $"The prebuilt form needs the staged tree for {architecture}; "
                + $"run --target=Build --arch={architecture} first.");
            source.Add(new YamlMappingNode { { "to " + architecture, SnapYaml.Text(tree) } });
        }

        var part = new YamlMappingNode
        {
            { "plugin", "dump" },
            { "source", source },
            { "source-type", inputs.PrebuiltSourceType },
        };
        AddCommon(part, recipe);

        return new WrittenPart(recipe.Snap.Part, part,
            $"Written by ./build.sh --target=Snap from {origin} (prebuilt form); change the recipe, not this part.");
    }

    /// <summary>The keys both forms share, then the recipe's own extra keys in its order.</summary>
    private static void AddCommon(YamlMappingNode part, Recipe recipe)
    {
        AddList(part, "stage-packages", recipe.Snap.StagePackages);
        AddList(part, "stage", recipe.Snap.Stage);
        AddList(part, "prime", recipe.Snap.Prime);
        foreach (var (key, value) in recipe.Snap.Extra)
        {
            part.Add(key, value);
        }
    }

    /// <summary>
    /// Where each build plan entry runs. The source form builds natively, so each architecture
    /// is built on itself; the prebuilt form only copies files, so it can also be packed on the
    /// machine that built the trees.
    /// </summary>
    private static YamlNode BuildPlan(PartInputs inputs)
    {
        var entries = inputs.Architectures
            .Select(a => (For: a, On: inputs.Form == PartForm.Source ? [a] : new[] { inputs.BuildHost, a }.Distinct()))
            .ToList();
        if (inputs.Base == SnapBase.Core22)
        {
            return new YamlSequenceNode(entries.Select(e => (YamlNode)new YamlMappingNode
            {
                { "build-on", SnapYaml.FlowList(e.On) },
                { "build-for", SnapYaml.FlowList([e.For]) },
            }));
        }

        var platforms = new YamlMappingNode();
        foreach (var (target, on) in entries)
        {
            platforms.Add(target, new YamlMappingNode
            {
                { "build-on", SnapYaml.FlowList(on) },
                { "build-for", SnapYaml.FlowList([target]) },
            });
        }

        return platforms;
    }

    /// <summary>
    /// Pulls the tag, then applies the series in order. Each patch is read from the snap
    /// project, where the companion part's source is: craft-parts stages a part's dependencies
    /// before its build step, not before its pull, so <c>$CRAFT_STAGE</c> does not have them yet
    /// when this runs. Each patch is checked against its SHA-256 first, and the hashes are part of
    /// this script, so a changed patch changes the part and snapcraft pulls it again.
    /// </summary>
    private static string OverridePull(PartInputs inputs)
    {
        var script = new StringBuilder("craftctl default\n");
        foreach (var patch in inputs.Patches)
        {
            var file = "$CRAFT_PROJECT_DIR/" + inputs.PatchesDirectory + "/" + patch.RelativePath;
            script.Append("echo \"").Append(patch.Sha256).Append("  ").Append(file)
                .Append("\" | sha256sum --check --quiet --strict\n");
            script.Append("patch --batch --forward --strip=").Append(patch.StripLevel)
                .Append(" --input=\"").Append(file).Append("\"\n");
        }

        return script.ToString();
    }

    /// <summary>
    /// The cmake plugin builds and installs everything; when the recipe names targets, build only
    /// those and install with the same components the pipeline installs. A component can install
    /// files of targets the recipe does not list (MySQL's Server component installs every
    /// plugin), so, as the pipeline does, each file an install misses is built and the install
    /// tried again.
    /// </summary>
    private static string OverrideBuild(Recipe recipe, bool archParameters)
    {
        var parameters = CMakeParameters(recipe, archParameters);
        var script = new StringBuilder("cmake \"$CRAFT_PART_SRC\" -G Ninja");
        foreach (var parameter in parameters)
        {
            script.Append(" \\\n  ").Append(parameter);
        }

        script.Append('\n')
            .Append("cmake --build . --parallel \"$CRAFT_PARALLEL_BUILD_COUNT\" --target ")
            .Append(string.Join(' ', recipe.Build.Targets.Select(ShellQuote))).Append('\n')
            .Append(InstallFunction);
        if (recipe.Build.InstallComponents.Count == 0)
        {
            script.Append("install_part\n");
        }

        foreach (var component in recipe.Build.InstallComponents)
        {
            script.Append("install_part --component ").Append(ShellQuote(component)).Append('\n');
        }

        return script.ToString();
    }

    /// <summary>
    /// Installs into the part, building what the install misses: CMake names a missing file
    /// as <c>file INSTALL cannot find "PATH"</c>, over two lines, and the path is a Ninja target.
    /// </summary>
    private const string InstallFunction = """
        install_part() {
          while ! DESTDIR="$CRAFT_PART_INSTALL" cmake --install . "$@" 2> install.log; do
            missing=$(tr '\n' ' ' < install.log | sed -n 's/.*file INSTALL cannot find *"\([^"]*\)".*/\1/p')
            if [ -z "$missing" ] || [ "$missing" = "${built:-}" ]; then cat install.log >&2; return 1; fi
            built=$missing
            cmake --build . --parallel "$CRAFT_PARALLEL_BUILD_COUNT" --target "${missing#"$PWD"/}"
          done
        }

        """;

    /// <summary>
    /// The common options as written, shell-quoted where needed (the cmake plugin pastes them into
    /// a shell command line), then the per-architecture ones through their variable.
    /// </summary>
    private static List<string> CMakeParameters(Recipe recipe, bool archParameters)
    {
        var parameters = new List<string> { ShellQuote($"-DCMAKE_INSTALL_PREFIX={recipe.Build.Prefix}") };
        parameters.AddRange(recipe.Build.Options
            .Where(o => o.Key != "CMAKE_INSTALL_PREFIX")
            .Select(o => ShellQuote($"-D{o.Key}={o.Value}")));
        if (archParameters)
        {
            parameters.Add(ArchParametersReference);
        }

        return parameters;
    }

    /// <summary>
    /// <c>build-environment</c> entries that set <see cref="ArchParametersVariable"/> for each
    /// architecture with options of its own. The variable is expanded unquoted, so the shell
    /// splits it into words, and a value that would need quoting cannot pass through it.
    /// </summary>
    private static YamlSequenceNode ArchParameters(PartInputs inputs)
    {
        var recipe = inputs.Recipe;
        var entries = new YamlSequenceNode();
        foreach (var architecture in inputs.Architectures)
        {
            if (!recipe.Build.ArchOptions.TryGetValue(architecture, out var options) || options.Count == 0)
            {
                continue;
            }

            foreach (var (key, value) in options.Where(o => !IsShellWord($"-D{o.Key}={o.Value}")))
            {
                throw new BuildException(
                    $"{recipe.Path}: 'build.arch-options.{architecture}.{key}' is '{value}', which the snap part "
                    + "cannot pass per architecture (the shell would split or expand it); "
                    + "use letters, digits and -_./=:+,@% only.");
            }

            var words = string.Join(' ', options.Select(o => $"-D{o.Key}={o.Value}"));
            entries.Add(new YamlMappingNode
            {
                {
                    "to " + architecture,
                    new YamlSequenceNode(new YamlMappingNode { { ArchParametersVariable, SnapYaml.Text(words) } })
                },
            });
        }

        return entries;
    }

    private static bool IsShellWord(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:+,@%".Contains(c));

    private static string ShellQuote(string value) =>
        IsShellWord(value) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void AddList(YamlMappingNode node, string key, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            node.Add(key, SnapYaml.List(values));
        }
    }

    /// <summary>Reads the snippet back with YamlDotNet and insists it says what was meant.</summary>
    private static void CheckReadBack(string snippet, YamlMappingNode document)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(snippet));
        }
        catch (YamlException exception)
        {
            throw new InvalidOperationException(
                $"The written part does not read back as YAML: {exception.Message}", exception);
        }

        if (SnapYaml.Canonical(stream.Documents[0].RootNode) != SnapYaml.Canonical(document))
        {
            throw new InvalidOperationException(
                "The written part reads back as something other than what was written.");
        }
    }
}
