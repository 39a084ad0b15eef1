using SnapBuild.Common;
using SnapBuild.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Tests.Snapcraft;

/// <summary>
/// The Snap stage on the tests' upstream: the snippet and the in-place update from a pipeline,
/// and the source form's own scripts run the way craft-parts runs them, with a stand-in for
/// <c>craftctl</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class SnapStageTests
{
    private const string SnapcraftYaml = """
        name: cleaner-app
        base: core24
        platforms:
          amd64:

        apps:
          cleaner:
            command: usr/bin/cleaner

        parts:
          # The page cleaner, from the demo recipe.
          demo:
            plugin: nil

          wrapper:
            plugin: dump
            source: src/wrapper
        """;

    [Test]
    public void Should_replace_the_part_in_the_snaps_snapcraft_yaml_with_paths_in_the_snap_project()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var snapcraftYaml = Path.Combine(project.Root, "snap", "snapcraft.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(snapcraftYaml)!);
        File.WriteAllText(snapcraftYaml, SnapcraftYaml + "\n");
        var pipeline = project.Pipeline($"--snapcraft-yaml={snapcraftYaml}");
        pipeline.Clone();

        pipeline.Snap();
        var first = File.ReadAllText(snapcraftYaml);
        var firstLog = project.Log.Lines.ToList();
        var again = project.Pipeline($"--snapcraft-yaml={snapcraftYaml}");
        again.Snap();

        var parts = (YamlMappingNode)Load(first)["parts"];
        Assert.Multiple(() =>
        {
            var before = SnapcraftYaml[..SnapcraftYaml.IndexOf("  demo:", StringComparison.Ordinal)];
            Assert.That(first, Does.StartWith(before), "everything before the part, with the comment above it");
            Assert.That(first, Does.Contain("\n  wrapper:\n    plugin: dump\n    source: src/wrapper\n"));
            Assert.That(parts.Children.Keys.Select(k => k.ToString()),
                Is.EqualTo(new[] { "demo", "wrapper", "demo-patches" }));
            Assert.That(((YamlMappingNode)parts["demo-patches"])["source"].ToString(), Is.EqualTo("patches/demo"));
            Assert.That(((YamlMappingNode)parts["demo"])["override-pull"].ToString(),
                Does.Contain("--input=\"$CRAFT_PROJECT_DIR/patches/demo/0001-page-cleaner-priority-option.patch\""));
            Assert.That(firstLog, Has.Some.Contains($"Snap: replaced demo, added demo-patches in {snapcraftYaml}"));
            Assert.That(firstLog, Has.None.Contains("outside the snap project"));
            Assert.That(File.ReadAllText(snapcraftYaml), Is.EqualTo(first));
            Assert.That(project.Log.Lines, Has.Some.Contains($"Snap: {snapcraftYaml} is up to date"));
        });
    }

    [Test]
    public void Should_warn_when_the_series_is_outside_the_snap_project()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        using var elsewhere = new TempDirectory("app");
        var snapcraftYaml = elsewhere.Write("snapcraft.yaml", SnapcraftYaml + "\n");
        var pipeline = project.Pipeline($"--snapcraft-yaml={snapcraftYaml}");
        pipeline.Clone();

        pipeline.Snap();

        Assert.That(project.Log.Lines,
            Has.Some.Contains("is outside the snap project").And.Contains("--destructive-mode"));
    }

    [Test]
    public void Should_refuse_the_prebuilt_form_before_the_tree_is_built()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Pipeline("--part-form=prebuilt");
        pipeline.Clone();

        var error = Assert.Throws<BuildException>(() => pipeline.Snap());

        Assert.That(error!.Message, Does.Contain("which is not built; run --target=Build --arch=amd64 first."));
    }

    [Test]
    public void Should_dump_the_staged_tree_in_the_prebuilt_form()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Built("--part-form=prebuilt", "--base=core22");

        var part = (YamlMappingNode)((YamlMappingNode)Load(File.ReadAllText(pipeline.Snap()))["parts"])["demo"];
        var source = (YamlMappingNode)((YamlSequenceNode)part["source"]).Children.Single();

        Assert.Multiple(() =>
        {
            Assert.That(part["plugin"].ToString(), Is.EqualTo("dump"));
            Assert.That(source["to amd64"].ToString(), Is.EqualTo("work/demo/stage/amd64"));
            Assert.That(File.Exists(Path.Combine(project.Root, source["to amd64"].ToString(), "usr", "bin", "cleaner")),
                "the path is relative to the snap project");
            Assert.That(project.Log.Lines, Has.Some.Contains("(prebuilt form, core22)"));
        });
    }

    /// <summary>
    /// What snapcraft would run, run here: override-pull in an empty source folder, with a
    /// <c>craftctl</c> whose <c>default</c> clones the part's source at its tag, then override-build
    /// in a build folder with the build environment snapcraft's grammar picks for amd64. The recipe
    /// lists only one target, so the Client component's install needs a file the targets do not
    /// build, as MySQL's Server component does.
    /// </summary>
    [Test]
    public void Should_pull_patch_build_and_install_with_the_parts_own_scripts()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        project.WriteRecipe($"    - git: {upstream.Url}\n", build: DemoProject.DefaultOptions.Replace(
            "  targets: [cleaner, cleanerctl]",
            "  arch-options:\n    amd64: { SNAP_TEST_MARK: on-amd64 }\n  targets: [cleaner]",
            StringComparison.Ordinal));
        var pipeline = project.Pipeline();
        pipeline.Clone();
        var part = (YamlMappingNode)((YamlMappingNode)Load(File.ReadAllText(pipeline.Snap()))["parts"])["demo"];
        using var craft = new TempDirectory("craft");
        var environment = Craft(craft, project, part);
        var forAmd64 = ((YamlMappingNode)((YamlSequenceNode)part["build-environment"]).Children.Single())["to amd64"];
        foreach (var (name, value) in ((YamlSequenceNode)forAmd64).Children.Cast<YamlMappingNode>().SelectMany(m => m))
        {
            environment[name.ToString()] = value.ToString();
        }

        var pull = RunScript(part["override-pull"].ToString(), craft.Combine("src"), environment);
        var build = RunScript(part["override-build"].ToString(), craft.Combine("build"), environment);
        var cleaner = craft.Combine("install", "usr", "bin", "cleaner");

        Assert.Multiple(() =>
        {
            Assert.That(pull.ExitCode, Is.Zero, pull.CombinedTail(30));
            Assert.That(build.ExitCode, Is.Zero, build.CombinedTail(30));
            Assert.That(Shell.Run(craft.Path, cleaner), Does.Contain("(patched)"));
            Assert.That(File.Exists(craft.Combine("install", "usr", "bin", "cleanerctl")), "built for the install");
            Assert.That(File.Exists(craft.Combine("install", "usr", "share", "cleaner", "README")), Is.True);
            Assert.That(File.ReadAllText(craft.Combine("build", "CMakeCache.txt")),
                Does.Contain("SNAP_TEST_MARK:UNINITIALIZED=on-amd64"), "the per-architecture option reached CMake");
        });
    }

    [Test]
    public void Should_stop_the_pull_when_a_patch_is_not_the_one_the_part_was_written_from()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Pipeline();
        pipeline.Clone();
        var part = (YamlMappingNode)((YamlMappingNode)Load(File.ReadAllText(pipeline.Snap()))["parts"])["demo"];
        File.AppendAllText(Path.Combine(project.PatchesDirectory, "0001-page-cleaner-priority-option.patch"), "\n");
        using var craft = new TempDirectory("craft");

        var pull = RunScript(part["override-pull"].ToString(), craft.Combine("src"), Craft(craft, project, part));

        Assert.Multiple(() =>
        {
            Assert.That(pull.ExitCode, Is.Not.Zero);
            Assert.That(pull.StandardOutput + pull.StandardError,
                Does.Contain("0001-page-cleaner-priority-option.patch: FAILED"));
        });
    }

    /// <summary>The environment craft-parts gives a part's scripts, and a craftctl that pulls with git.</summary>
    private static Dictionary<string, string?> Craft(TempDirectory craft, DemoProject project, YamlMappingNode part)
    {
        var bin = craft.Write("bin/craftctl", """
            #!/bin/sh
            # craftctl default, for the pull step of a git part: clone the part's tag into the source folder.
            set -e
            [ "$1" = default ] || { echo "craftctl: only 'default' is known here" >&2; exit 2; }
            git clone -q --branch "$PART_SOURCE_TAG" "$PART_SOURCE" .

            """);
        File.SetUnixFileMode(bin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var folder in new[] { "src", "build", "install" })
        {
            Directory.CreateDirectory(craft.Combine(folder));
        }

        return new Dictionary<string, string?>
        {
            ["PATH"] = Path.GetDirectoryName(bin) + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["PART_SOURCE"] = part["source"].ToString(),
            ["PART_SOURCE_TAG"] = part["source-tag"].ToString(),
            ["CRAFT_PROJECT_DIR"] = project.Root,
            ["CRAFT_PART_SRC"] = craft.Combine("src"),
            ["CRAFT_PART_BUILD"] = craft.Combine("build"),
            ["CRAFT_PART_INSTALL"] = craft.Combine("install"),
            ["CRAFT_PARALLEL_BUILD_COUNT"] = "2",
        };
    }

    /// <summary>Runs a part script as craft-parts does: bash with -euo pipefail, in the step's folder.</summary>
    private static ProcessResult RunScript(string script, string directory, Dictionary<string, string?> environment) =>
        ProcessRunner.Run(new ProcessSpec("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = directory,
            Environment = environment,
        });

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));

        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
