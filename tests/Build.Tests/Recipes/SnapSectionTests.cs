using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Snapcraft;
using SnapBuild.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Tests.Recipes;

/// <summary>The recipe's <c>snap:</c> section: what it may say, and each wrong value at its file:line:column.</summary>
public class SnapSectionTests
{
    [Test]
    public void Should_leave_form_and_base_to_the_settings_when_the_recipe_names_neither()
    {
        using var directory = new TempDirectory();

        var snap = RecipeLoader.Load(RecipeLoaderTests.WriteRecipe(directory, RecipeLoaderTests.Minimal)).Snap;

        Assert.Multiple(() =>
        {
            Assert.That(snap.Part, Is.EqualTo("demo"));
            Assert.That(snap.PatchesPart, Is.EqualTo("demo-patches"));
            Assert.That(snap.Form, Is.Null);
            Assert.That(snap.Base, Is.Null);
            Assert.That(snap.Extra, Is.Empty);
        });
    }

    [Test]
    public void Should_read_form_base_part_names_filters_and_extra_keys_in_order()
    {
        using var directory = new TempDirectory();
        var yaml = RecipeLoaderTests.Minimal + """

            snap:
              part: mysql
              patches-part: mysql-series
              form: prebuilt
              base: core22
              stage: [usr/bin/mysqld, -usr/lib/**/*.a]
              prime: [-usr/share/man]
              extra:
                build-snaps: [cmake]
                override-prime: |
                  craftctl default
            """;

        var snap = RecipeLoader.Load(RecipeLoaderTests.WriteRecipe(directory, yaml)).Snap;

        Assert.Multiple(() =>
        {
            Assert.That(snap.Part, Is.EqualTo("mysql"));
            Assert.That(snap.PatchesPart, Is.EqualTo("mysql-series"));
            Assert.That(snap.Form, Is.EqualTo(PartForm.Prebuilt));
            Assert.That(snap.Base, Is.EqualTo(SnapBase.Core22));
            Assert.That(snap.Stage, Is.EqualTo(new[] { "usr/bin/mysqld", "-usr/lib/**/*.a" }));
            Assert.That(snap.Extra.Select(e => e.Key), Is.EqualTo(new[] { "build-snaps", "override-prime" }));
            Assert.That(((YamlScalarNode)snap.Extra[1].Value).Value, Does.StartWith("craftctl default"));
        });
    }

    [TestCase("  form: sorce\n", ":7:9: 'snap.form' is 'sorce'; did you mean 'source'? (known: source, prebuilt).")]
    [TestCase("  base: corr24\n", ":7:9: 'snap.base' is 'corr24'; did you mean 'core24'? (known: core22, core24).")]
    [TestCase("  frm: source\n", ":7:3: unknown key 'frm' in 'snap'; did you mean 'form'?")]
    [TestCase("  stage: [usr/bin, {a: b}]\n", ":7:20: each item of 'snap.stage' must be a text value.")]
    [TestCase("  stage: usr/bin\n", ":7:10: 'snap.stage' must be a list.")]
    [TestCase("  prime: [/usr/bin/mysqld]\n", ":7:11: 'snap.prime' has the filter '/usr/bin/mysqld'; a filter is")]
    [TestCase("  stage: [-usr/../etc]\n", ":7:11: 'snap.stage' has the filter '-usr/../etc'")]
    [TestCase("  part: MySQL\n", ":7:9: 'snap.part' is 'MySQL', which is not a snapcraft part name")]
    [TestCase("  part: x\n  patches-part: x\n", ":8:17: 'snap.patches-part' and 'snap.part' are both 'x'")]
    [TestCase("  extra:\n    build-snap: [cmake]\n",
        ":8:5: 'snap.extra' has the key 'build-snap', which craft-parts does not accept for a part; "
        + "did you mean 'build-snaps'?")]
    [TestCase("  extra:\n    stage: [usr]\n",
        ":8:5: 'snap.extra.stage' is a key the build writes itself, from 'snap.stage'; set it there instead.")]
    [TestCase("  extra:\n    plugin: make\n", ":8:5: 'snap.extra.plugin' is a key the build writes itself, from")]
    [TestCase("  extra:\n    build-snaps:\n", ":8:5: 'snap.extra.build-snaps' needs a value.")]
    [TestCase("  extra: [build-snaps]\n", ":7:10: 'snap.extra' must be a mapping of keys to values.")]
    public void Should_reject_a_bad_snap_section_naming_the_key(string snap, string expected)
    {
        using var directory = new TempDirectory();
        var path = RecipeLoaderTests.WriteRecipe(directory, RecipeLoaderTests.Minimal + "\nsnap:\n" + snap);

        var error = Assert.Throws<UsageException>(() => RecipeLoader.Load(path));

        Assert.That(error!.Message, Does.Contain("demo.yaml" + expected));
    }

    [Test]
    public void Should_read_the_projects_own_mysql_snap_section()
    {
        var snap = RecipeLoader.Load(Path.Combine(Fixtures.RepositoryRoot, "recipes", "mysql.yaml")).Snap;

        Assert.Multiple(() =>
        {
            Assert.That(snap.Part, Is.EqualTo("mysql"));
            Assert.That(snap.PatchesPart, Is.EqualTo("mysql-patches"));
            Assert.That(snap.Stage, Has.Some.StartsWith("-"), "build-only files are kept out of the snap");
        });
    }
}
