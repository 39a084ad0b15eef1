using SnapBuild.Common;
using SnapBuild.Settings;
using SnapBuild.Snapcraft;
using SnapBuild.Tests.Recipes;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Snapcraft;

/// <summary>
/// The Snap stage's options, resolved like every other: the argument, then
/// <c>SNAPBUILD_&lt;NAME&gt;</c>, then the recipe, then the default.
/// </summary>
public class SnapSettingsTests
{
    [Test]
    public void Should_default_to_the_source_form_for_core24_and_only_the_snippet()
    {
        using var directory = new TempDirectory();

        var settings = Resolve(directory, "", [], []);

        Assert.Multiple(() =>
        {
            Assert.That(Resolved(settings), Is.EqualTo((PartForm.Source, SnapBase.Core24, SettingOrigin.Default)));
            Assert.That(settings.Base.Origin, Is.EqualTo(SettingOrigin.Default));
            Assert.That(settings.SnapcraftYaml.Value, Is.Null);
            Assert.That(settings.Describe(), Does.Match(@"part-form\s+source\s+default")
                .And.Match(@"base\s+core24\s+default")
                .And.Match(@"snapcraft-yaml\s+none \(only the snippet\)\s+default"));
        });
    }

    [Test]
    public void Should_take_the_recipe_over_the_default_the_environment_over_the_recipe_and_the_argument_over_all()
    {
        using var directory = new TempDirectory();
        const string recipe = "\nsnap:\n  form: prebuilt\n  base: core22\n";

        Dictionary<string, string> environment = new()
        {
            ["SNAPBUILD_PART_FORM"] = "source",
            ["SNAPBUILD_BASE"] = "core24",
        };

        var fromRecipe = Resolve(directory, recipe, [], []);
        var fromEnvironment = Resolve(directory, recipe, [], environment);
        var fromArgument = Resolve(
            directory, recipe, new() { ["part-form"] = "prebuilt", ["base"] = "core22" }, environment);

        Assert.Multiple(() =>
        {
            Assert.That(Resolved(fromRecipe), Is.EqualTo((PartForm.Prebuilt, SnapBase.Core22, SettingOrigin.Recipe)));
            Assert.That(Resolved(fromEnvironment),
                Is.EqualTo((PartForm.Source, SnapBase.Core24, SettingOrigin.Environment)));
            Assert.That(Resolved(fromArgument),
                Is.EqualTo((PartForm.Prebuilt, SnapBase.Core22, SettingOrigin.Argument)));
            Assert.That(fromArgument.Base.Origin, Is.EqualTo(fromArgument.PartForm.Origin));
        });
    }

    [Test]
    public void Should_resolve_the_snapcraft_yaml_to_a_full_path()
    {
        using var directory = new TempDirectory();

        var settings = Resolve(directory, "", new() { ["snapcraft-yaml"] = "snap/snapcraft.yaml" }, []);

        Assert.That(settings.SnapcraftYaml, Is.EqualTo(new Setting<string?>(
            "snapcraft-yaml", Path.GetFullPath("snap/snapcraft.yaml"), SettingOrigin.Argument)));
    }

    [TestCase("part-form", "prebuild", "--part-form takes source or prebuilt, not 'prebuild'; did you mean 'prebuilt'")]
    [TestCase("base", "core20", "--base takes core22 or core24, not 'core20'")]
    [TestCase("snapcraft-yaml", "true", "--snapcraft-yaml needs a value, as in --snapcraft-yaml=VALUE.")]
    public void Should_refuse_an_unknown_value_naming_the_option_and_the_accepted_ones(
        string name, string value, string expected)
    {
        using var directory = new TempDirectory();

        var error = Assert.Throws<UsageException>(() => Resolve(directory, "", new() { [name] = value }, []));

        Assert.That(error!.Message, Does.Contain(expected));
    }

    [Test]
    public void Should_list_the_new_options_for_help_and_for_the_unknown_option_check()
    {
        var names = BuildSettings.Options.Select(o => o.Name).ToList();

        Assert.That(names, Does.Contain("part-form").And.Contain("base").And.Contain("snapcraft-yaml"));
    }

    private static (PartForm, SnapBase, SettingOrigin) Resolved(BuildSettings settings) =>
        (settings.PartForm.Value, settings.Base.Value, settings.PartForm.Origin);

    private static BuildSettings Resolve(
        TempDirectory directory,
        string snap,
        Dictionary<string, string> arguments,
        Dictionary<string, string> environment)
    {
        var recipe = RecipeLoaderTests.WriteRecipe(directory, RecipeLoaderTests.Minimal + snap);
        arguments.TryAdd("recipe", recipe);
        arguments.TryAdd("work-dir", directory.Combine("work"));

        return BuildSettings.Resolve(arguments.GetValueOrDefault, environment.GetValueOrDefault);
    }
}
