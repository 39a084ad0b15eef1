using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Recipes;

public class RecipeLoaderTests
{
    internal const string Minimal = """
        name: demo
        upstream:
          tag: v1.0.0
          sources:
            - git: https://example.invalid/demo.git
        """;

    internal static string WriteRecipe(TempDirectory directory, string yaml, string name = "demo")
    {
        var path = directory.Combine("recipes", name + ".yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);

        return path;
    }

    [Test]
    public void Should_read_a_minimal_recipe_with_defaults()
    {
        using var directory = new TempDirectory();

        var recipe = RecipeLoader.Load(WriteRecipe(directory, Minimal));

        Assert.Multiple(() =>
        {
            Assert.That(recipe.Name, Is.EqualTo("demo"));
            Assert.That(recipe.Upstream.Tag, Is.EqualTo("v1.0.0"));
            Assert.That(recipe.Upstream.Sources.Single(), Is.TypeOf<GitSourceSpec>());
            Assert.That(recipe.Architectures, Is.EqualTo(new[] { "amd64" }));
            Assert.That(recipe.Patches.Series, Is.EqualTo(directory.Combine("patches", "demo", "series")));
            Assert.That(recipe.Build.Prefix, Is.EqualTo("/usr"));
            Assert.That(recipe.Snap.Part, Is.EqualTo("demo"));
            Assert.That(recipe.LockPath, Is.EqualTo(directory.Combine("recipes", "demo.lock")));
        });
    }

    [Test]
    public void Should_read_every_source_kind_in_order()
    {
        using var directory = new TempDirectory();
        var sha = new string('a', 64);
        var yaml = $"""
            name: demo
            upstream:
              tag: v1.0.0
              sources:
                - git: https://example.invalid/demo.git
                - tarball: https://example.invalid/demo-1.0.0.tar.gz
                  sha256: {sha}
                - debian: demo
                  version: 1.0.0-2
                  sha256: {sha}
            """;

        var sources = RecipeLoader.Load(WriteRecipe(directory, yaml)).Upstream.Sources;

        Assert.Multiple(() =>
        {
            Assert.That(sources.Select(s => s.GetType().Name),
                Is.EqualTo(new[] { "GitSourceSpec", "TarballSourceSpec", "DebianSourceSpec" }));
            Assert.That(((DebianSourceSpec)sources[2]).Suite, Is.EqualTo("sid"));
            Assert.That(sources[1].Location, Does.EndWith(":6:7"), "where the tarball source starts");
        });
    }

    [Test]
    public void Should_merge_architecture_options_over_common_ones()
    {
        using var directory = new TempDirectory();
        var yaml = Minimal + """

            architectures: [amd64, armhf]
            build:
              options:
                A: "1"
                B: "2"
              arch-options:
                armhf:
                  B: "3"
                  C: "4"
            """;

        var build = RecipeLoader.Load(WriteRecipe(directory, yaml)).Build;

        Assert.Multiple(() =>
        {
            Assert.That(build.OptionsFor("amd64").Select(o => $"{o.Key}={o.Value}"), Is.EqualTo(new[] { "A=1", "B=2" }));
            Assert.That(build.OptionsFor("armhf").Select(o => $"{o.Key}={o.Value}"),
                Is.EqualTo(new[] { "A=1", "B=3", "C=4" }));
        });
    }

    [TestCase("name: demo\nupstream:\n  tag: v1\n  sorces: []\n", "recipes/demo.yaml:4:3: unknown key 'sorces' in 'upstream'; did you mean 'sources'?")]
    [TestCase("name: demo\nupstream:\n  sources:\n    - git: x\n", "recipes/demo.yaml:3:3: 'upstream' needs the key 'tag'.")]
    [TestCase("name: demo\nupstream:\n  tag: v1\n  sources: []\n", "needs at least one source")]
    [TestCase("name: demo\nupstream:\n  tag: v1\n  sources:\n    - tarball: x\n      sha256: abc\n", ":6:15: 'upstream.sources[0].sha256' must be 64 lower-case hex digits")]
    [TestCase("name: demo\nupstream:\n  tag: v1\n  sources:\n    - svn: x\n", "must name exactly one of git, tarball or debian")]
    [TestCase("name: Demo!\nupstream: {}\n", "recipes/demo.yaml:1:7: the recipe name 'Demo!'")]
    [TestCase("name: demo\nupstream: [\n", "recipes/demo.yaml:")]
    [TestCase("name: demo\nupstream:\n  tag: v1\n  sources:\n    - git: x\narchitectures: [amd46]\n", "unknown architecture 'amd46'; did you mean 'amd64'?")]
    [TestCase("name: demo\nupstream:\n  tag: v1\n  sources:\n    - git: x\nbuild:\n  targets: mysqld\n", ":7:12: 'build.targets' must be a list.")]
    public void Should_reject_a_bad_recipe_naming_file_line_and_column(string yaml, string expected)
    {
        using var directory = new TempDirectory();
        var path = WriteRecipe(directory, yaml);
        var current = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(directory.Path);
        try
        {
            var error = Assert.Throws<UsageException>(() => RecipeLoader.Load(path));

            Assert.That(error!.Message, Does.Contain(expected));
        }
        finally
        {
            Directory.SetCurrentDirectory(current);
        }
    }

    [Test]
    public void Should_say_how_to_fix_a_missing_recipe()
    {
        var error = Assert.Throws<UsageException>(() => RecipeLoader.Load("recipes/nothing-here.yaml"));

        Assert.That(error!.Message, Does.Contain("recipes/nothing-here.yaml does not exist; pass --recipe=PATH"));
    }

    [Test]
    public void Should_load_the_projects_own_mysql_recipe()
    {
        var recipe = RecipeLoader.Load(Path.Combine(Fixtures.RepositoryRoot, "recipes", "mysql.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(recipe.Upstream.Tag, Is.EqualTo("mysql-9.7.2"));
            Assert.That(recipe.Upstream.Sources, Has.Count.EqualTo(3));
            Assert.That(recipe.Build.Options, Does.Contain(
                new KeyValuePair<string, string>("WITH_INNODB_PAGE_CLEANER_PRIORITY", "OFF")));
            Assert.That(File.Exists(recipe.Patches.Series), Is.True);
        });
    }
}
