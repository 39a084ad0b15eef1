using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Snapcraft;
using SnapBuild.Tests.Recipes;
using SnapBuild.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Tests.Snapcraft;

/// <summary>
/// The part as snapcraft reads it. The golden files in <c>Golden/</c> are the whole snippet for
/// each form and base; after an intended change, rewrite them with
/// <c>UPDATE_GOLDEN=1 dotnet test tests/Build.Tests --filter FullyQualifiedName~PartWriterTests</c>
/// and read the diff before committing it.
/// </summary>
public class PartWriterTests
{
    /// <summary>What a real recipe has: common and per-architecture options, targets, filters, an extra key.</summary>
    internal const string Recipe = """
        name: demo
        upstream:
          tag: v1.0.0
          sources:
            - git: https://example.invalid/demo.git
        architectures: [amd64, arm64, armhf]
        build:
          options:
            CMAKE_BUILD_TYPE: Release
            WITH_PAGE_CLEANER_PRIORITY: "OFF"
            INSTALL_DOCDIR: ""
            CMAKE_CXX_FLAGS: "-O2 -g"
          arch-options:
            armhf:
              WITH_32BIT_BUILD: "ON"
          targets: [cleaner, cleanerctl]
          install-components: [Server, Client]
        snap:
          build-packages: [g++, cmake, ninja-build, libssl-dev]
          stage-packages: [libssl3t64]
          stage: [usr/bin/cleaner, usr/bin/cleanerctl, usr/share/cleaner, -usr/include, -usr/lib/**/*.a]
          prime: [-usr/share/man, -usr/share/doc]
          extra:
            override-stage: |
              craftctl default
              rm -rf usr/share/cleaner/tests
        """;

    private static readonly string GoldenDirectory =
        Path.Combine(Fixtures.RepositoryRoot, "tests", "Build.Tests", "Snapcraft", "Golden");

    internal static PartInputs Inputs(TempDirectory directory, PartForm form, SnapBase @base, string yaml = Recipe) =>
        new()
        {
            Recipe = RecipeLoader.Load(RecipeLoaderTests.WriteRecipe(directory, yaml)),
            Form = form,
            Base = @base,
            Architectures = ["amd64", "arm64", "armhf"],
            GitUrl = "https://example.invalid/demo.git",
            Patches =
            [
                new PartPatch("0001-page-cleaner-priority-option.patch", 1, Hashing.Sha256OfText("first patch")),
                new PartPatch("0002-mark-patched-build.patch", 0, Hashing.Sha256OfText("second patch")),
            ],
            PatchesDirectory = "patches/demo",
            StagedTrees = new Dictionary<string, string>
            {
                ["amd64"] = ".work/demo/stage/amd64",
                ["arm64"] = ".work/demo/stage/arm64",
                ["armhf"] = ".work/demo/stage/armhf",
            },
            BuildHost = "amd64",
        };

    [TestCase(PartForm.Source, SnapBase.Core22)]
    [TestCase(PartForm.Source, SnapBase.Core24)]
    [TestCase(PartForm.Prebuilt, SnapBase.Core22)]
    [TestCase(PartForm.Prebuilt, SnapBase.Core24)]
    public void Should_write_the_golden_snippet_for_each_form_and_base(PartForm form, SnapBase snapBase)
    {
        using var directory = new TempDirectory();
        var golden = Path.Combine(GoldenDirectory, $"{form.Name()}-{snapBase.Name()}.yaml");

        var snippet = PartWriter.Write(Inputs(directory, form, snapBase)).Snippet;

        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(golden, snippet);
        }

        Assert.That(File.Exists(golden), Is.True, $"{golden} is missing; run the tests once with UPDATE_GOLDEN=1");
        Assert.That(snippet, Is.EqualTo(File.ReadAllText(golden)),
            $"the snippet differs from {golden}; if the change is intended, rerun with UPDATE_GOLDEN=1");
    }

    [TestCase(PartForm.Source, SnapBase.Core22)]
    [TestCase(PartForm.Source, SnapBase.Core24)]
    [TestCase(PartForm.Prebuilt, SnapBase.Core22)]
    [TestCase(PartForm.Prebuilt, SnapBase.Core24)]
    public void Should_write_the_same_bytes_for_the_same_inputs_and_only_keys_craft_parts_accepts(
        PartForm form, SnapBase snapBase)
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        var document = PartWriter.Write(Inputs(first, form, snapBase));
        var again = PartWriter.Write(Inputs(second, form, snapBase));
        var root = Load(document.Snippet);
        var parts = (YamlMappingNode)root["parts"];

        Assert.Multiple(() =>
        {
            Assert.That(again.Snippet, Is.EqualTo(document.Snippet));
            Assert.That(root["base"].ToString(), Is.EqualTo(snapBase.Name()));
            Assert.That(root.Children.ContainsKey(snapBase == SnapBase.Core22 ? "architectures" : "platforms"));
            Assert.That(parts.Children.Keys.Select(k => k.ToString()),
                Is.EqualTo(form == PartForm.Source ? new[] { "demo", "demo-patches" } : ["demo"]));
            foreach (var (name, node) in parts.Children)
            {
                var part = (YamlMappingNode)node;
                var plugin = part["plugin"].ToString();
                Assert.That(Keys(part), Is.SubsetOf(PartKeys.For(plugin)), $"the keys of {name}");
            }
        });
    }

    [Test]
    public void Should_apply_the_series_after_pulling_with_each_patchs_strip_level_and_hash()
    {
        using var directory = new TempDirectory();

        var part = Part(PartWriter.Write(Inputs(directory, PartForm.Source, SnapBase.Core24)), "demo");
        var pull = part["override-pull"].ToString().Split('\n');
        const string first = "$CRAFT_PROJECT_DIR/patches/demo/0001-page-cleaner-priority-option.patch";

        Assert.Multiple(() =>
        {
            Assert.That(part["source-tag"].ToString(), Is.EqualTo("v1.0.0"));
            Assert.That(part["source-depth"].ToString(), Is.EqualTo("1"));
            Assert.That(Items(part["after"]), Is.EqualTo(new[] { "demo-patches" }));
            Assert.That(pull[0], Is.EqualTo("craftctl default"));
            Assert.That(pull[1], Is.EqualTo(
                $"echo \"{Hashing.Sha256OfText("first patch")}  {first}\" | sha256sum --check --quiet --strict"));
            Assert.That(pull[2], Is.EqualTo($"patch --batch --forward --strip=1 --input=\"{first}\""));
            Assert.That(pull[4], Does.StartWith("patch --batch --forward --strip=0 ")
                .And.Contain("0002-mark-patched-build.patch"));
        });
    }

    [Test]
    public void Should_carry_the_series_in_a_dump_part_that_is_primed_out()
    {
        using var directory = new TempDirectory();

        var patches = Part(PartWriter.Write(Inputs(directory, PartForm.Source, SnapBase.Core22)), "demo-patches");

        Assert.Multiple(() =>
        {
            Assert.That(patches["plugin"].ToString(), Is.EqualTo("dump"));
            Assert.That(patches["source"].ToString(), Is.EqualTo("patches/demo"));
            Assert.That(((YamlMappingNode)patches["organize"])["*"].ToString(), Is.EqualTo("demo-patches/"));
            Assert.That(Items(patches["prime"]), Is.EqualTo(new[] { "-*" }));
        });
    }

    [Test]
    public void Should_pass_per_architecture_options_through_build_environment_chosen_with_to()
    {
        using var directory = new TempDirectory();

        var part = Part(PartWriter.Write(Inputs(directory, PartForm.Source, SnapBase.Core24)), "demo");
        var environment = (YamlSequenceNode)part["build-environment"];
        var armhf = (YamlSequenceNode)((YamlMappingNode)environment.Children.Single())["to armhf"];
        var parameters = Items(part["cmake-parameters"]);

        Assert.Multiple(() =>
        {
            Assert.That(((YamlMappingNode)armhf.Children.Single())[PartWriter.ArchParametersVariable].ToString(),
                Is.EqualTo("-DWITH_32BIT_BUILD=ON"));
            Assert.That(parameters[0], Is.EqualTo("-DCMAKE_INSTALL_PREFIX=/usr"));
            Assert.That(parameters, Does.Contain("-DWITH_PAGE_CLEANER_PRIORITY=OFF").And.Contain("-DINSTALL_DOCDIR="));
            Assert.That(parameters, Does.Contain("'-DCMAKE_CXX_FLAGS=-O2 -g'"), "the plugin pastes them into shell");
            Assert.That(parameters[^1], Is.EqualTo("${SNAPBUILD_ARCH_CMAKE_PARAMETERS:-}"));
            Assert.That(part["override-build"].ToString(), Does.Contain("${SNAPBUILD_ARCH_CMAKE_PARAMETERS:-}")
                .And.Contain("--target cleaner cleanerctl").And.Contain("install_part --component Server"));
        });
    }

    [Test]
    public void Should_leave_build_environment_out_when_no_architecture_has_options_of_its_own()
    {
        using var directory = new TempDirectory();
        var inputs = Inputs(directory, PartForm.Source, SnapBase.Core24) with { Architectures = ["amd64", "arm64"] };

        var part = Part(PartWriter.Write(inputs), "demo");

        Assert.Multiple(() =>
        {
            Assert.That(part.Children.ContainsKey("build-environment"), Is.False);
            Assert.That(Items(part["cmake-parameters"]), Has.None.Contains(PartWriter.ArchParametersVariable));
        });
    }

    [Test]
    public void Should_pick_each_architectures_staged_tree_with_to_in_the_prebuilt_form()
    {
        using var directory = new TempDirectory();

        var document = PartWriter.Write(Inputs(directory, PartForm.Prebuilt, SnapBase.Core22));
        var part = Part(document, "demo");
        var sources = ((YamlSequenceNode)part["source"]).Children
            .Select(c => ((YamlMappingNode)c).Children.Single())
            .ToDictionary(c => c.Key.ToString(), c => c.Value.ToString());
        var plan = (YamlSequenceNode)Load(document.Snippet)["architectures"];

        Assert.Multiple(() =>
        {
            Assert.That(part["plugin"].ToString(), Is.EqualTo("dump"));
            Assert.That(sources, Is.EqualTo(new Dictionary<string, string>
            {
                ["to amd64"] = ".work/demo/stage/amd64",
                ["to arm64"] = ".work/demo/stage/arm64",
                ["to armhf"] = ".work/demo/stage/armhf",
            }));
            Assert.That(part.Children.ContainsKey("build-packages"), Is.False, "nothing is built");
            Assert.That(Items(((YamlMappingNode)plan[1])["build-on"]), Is.EqualTo(new[] { "amd64", "arm64" }),
                "packed on the machine that built the trees, or on arm64 itself");
            Assert.That(document.Unused, Is.EqualTo(new[] { "demo-patches" }));
        });
    }

    [Test]
    public void Should_refuse_a_prebuilt_part_without_a_staged_tree_for_an_architecture()
    {
        using var directory = new TempDirectory();
        var inputs = Inputs(directory, PartForm.Prebuilt, SnapBase.Core24) with
        {
            StagedTrees = new Dictionary<string, string> { ["amd64"] = ".work/demo/stage/amd64" },
        };

        var error = Assert.Throws<BuildException>(() => PartWriter.Write(inputs));

        Assert.That(error!.Message, Does.Contain("staged tree for arm64; run --target=Build --arch=arm64 first"));
    }

    [Test]
    public void Should_refuse_a_per_architecture_value_the_shell_would_split_naming_the_key()
    {
        using var directory = new TempDirectory();
        var yaml = Recipe.Replace("WITH_32BIT_BUILD: \"ON\"", "CMAKE_C_FLAGS: \"-O2 -g\"", StringComparison.Ordinal);
        var inputs = Inputs(directory, PartForm.Source, SnapBase.Core24, yaml);

        var error = Assert.Throws<BuildException>(() => PartWriter.Write(inputs));

        Assert.That(error!.Message, Does.Contain("'build.arch-options.armhf.CMAKE_C_FLAGS' is '-O2 -g'"));
    }

    [Test]
    public void Should_name_the_key_craft_parts_would_refuse_before_writing()
    {
        var part = new YamlMappingNode { { "plugin", "dump" }, { "source", "." }, { "cmake-parameters", "x" } };

        var error = Assert.Throws<BuildException>(() => PartKeys.Check("demo", part, "recipes/demo.yaml"));

        Assert.That(error!.Message,
            Does.Contain("has the key 'cmake-parameters', which craft-parts does not accept for a dump part"));
    }

    [Test]
    public void Should_name_the_plugin_this_build_does_not_write_parts_for()
    {
        var part = new YamlMappingNode { { "plugin", "meson" }, { "source", "." } };

        var error = Assert.Throws<BuildException>(() => PartKeys.Check("demo", part, "recipes/demo.yaml"));

        Assert.That(error!.Message, Does.Contain("the plugin 'meson'"));
    }

    [TestCase("off", "'off'")]
    [TestCase("ON", "'ON'")]
    [TestCase("yes", "'yes'")]
    [TestCase("010", "'010'")]
    [TestCase("1.5", "'1.5'")]
    [TestCase("", "''")]
    [TestCase("-DWITH_X=OFF", "-DWITH_X=OFF")]
    [TestCase("libssl3t64", "libssl3t64")]
    public void Should_quote_text_that_yaml_1_1_reads_as_something_else(string value, string written)
    {
        var text = SnapYaml.Serialize(new YamlSequenceNode(SnapYaml.Text(value)));

        Assert.That(text, Is.EqualTo($"- {written}\n"));
    }

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));

        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static List<string> Items(YamlNode sequence) =>
        ((YamlSequenceNode)sequence).Children.Select(c => c.ToString()).ToList();

    private static List<string> Keys(YamlMappingNode mapping) =>
        mapping.Children.Keys.Select(k => k.ToString()).ToList();

    private static YamlMappingNode Part(PartDocument document, string name) =>
        (YamlMappingNode)((YamlMappingNode)Load(document.Snippet)["parts"])[name];
}
