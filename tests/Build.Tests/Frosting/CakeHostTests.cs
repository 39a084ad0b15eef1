using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Frosting;

/// <summary>The host as a user meets it: the built program, run in its own process.</summary>
public class CakeHostTests
{
    [Test]
    public void Should_list_cakes_options_the_build_options_and_every_target_in_help()
    {
        var result = HostRun.Run(Fixtures.RepositoryRoot, "--help");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(result.StandardOutput, Does.Contain("--target, -t").And.Contain("--exclusive, -e"));
            Assert.That(result.StandardOutput, Does.Contain("--upstream-url").And.Contain("--offline").And.Contain("--locked"));
            foreach (var target in new[] { "Clone", "Patch", "Build", "Snap", "Lock", "Clean", "Test", "Default" })
            {
                Assert.That(result.StandardOutput, Does.Contain("  " + target + " "));
            }
        });
    }

    [Test]
    public void Should_exit_2_and_suggest_the_nearest_target_for_an_unknown_one()
    {
        var result = HostRun.Run(Fixtures.RepositoryRoot, "--target=Snpa");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.StandardError.Trim(), Does.StartWith("Error: The target 'Snpa' does not exist; did you mean 'Snap'?"));
            Assert.That(result.StandardError.Trim().Split('\n'), Has.Length.EqualTo(1));
        });
    }

    [TestCase("-x", "Unknown option -x")]
    [TestCase("Snap", "Unexpected argument 'Snap'; name the task with --target=Snap")]
    [TestCase("--verbosity=loud", "Unknown verbosity 'loud'")]
    [TestCase("--targte=Snap", "Unknown option --targte; did you mean --target?")]
    [TestCase("--=x", "Malformed option '--=x'")]
    [TestCase("--target", "The option --target needs a value")]
    public void Should_exit_2_with_one_line_for_a_malformed_command_line(string argument, string expected)
    {
        var result = HostRun.Run(Fixtures.RepositoryRoot, argument);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.StandardError, Does.Contain(expected));
        });
    }

    [Test]
    public void Should_exit_2_and_suggest_the_option_for_a_mistyped_build_option()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);

        var result = HostRun.Run(project.Root, project.Arguments("--target=Clone", "--ofline"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.StandardOutput + result.StandardError, Does.Contain("Unknown option --ofline; did you mean --offline?"));
        });
    }

    [Test]
    public void Should_show_the_dependency_tree()
    {
        var result = HostRun.Run(Fixtures.RepositoryRoot, "--tree");

        Assert.That(result.StandardOutput, Does.Contain("Default\n└─Snap\n   └─Build\n      └─Patch\n         └─Clone"));
    }

    [Test]
    public void Should_show_each_tasks_description()
    {
        var result = HostRun.Run(Fixtures.RepositoryRoot, "--description");

        Assert.That(result.StandardOutput, Does.Match(@"Patch\s+Apply the patch series"));
    }

    [Test]
    public void Should_list_the_tasks_in_order_on_a_dry_run_without_running_them()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);

        var result = HostRun.Run(project.Root, project.Arguments("--target=Snap", "--dryrun"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(result.StandardOutput, Does.Contain("1. Clone\n").And.Contain("2. Patch\n").And.Contain("4. Snap\n"));
            Assert.That(Directory.Exists(project.Source), Is.False);
        });
    }

    [Test]
    public void Should_print_the_resolved_settings_with_their_origins_in_aligned_columns()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var environment = new Dictionary<string, string?> { ["SNAPBUILD_JOBS"] = "3" };

        var result = HostRun.Run(project.Root, environment, project.Arguments("--target=Clone", "--dryrun"));
        var lines = result.StandardOutput.Split('\n');
        var jobs = lines.Single(l => l.TrimStart().StartsWith("jobs ", StringComparison.Ordinal));
        var recipe = lines.Single(l => l.TrimStart().StartsWith("recipe ", StringComparison.Ordinal));
        var offline = lines.Single(l => l.TrimStart().StartsWith("offline ", StringComparison.Ordinal));

        Assert.Multiple(() =>
        {
            Assert.That(jobs, Does.Match(@"jobs\s+3\s+environment"));
            Assert.That(recipe, Does.Match(@"recipe\s+\S+demo\.yaml\s+argument"));
            Assert.That(offline, Does.Match(@"offline\s+no\s+default"));
            Assert.That(jobs.IndexOf("environment", StringComparison.Ordinal),
                Is.EqualTo(recipe.IndexOf("argument", StringComparison.Ordinal)), "the origin column is aligned");
        });
    }

    [Test]
    public void Should_run_only_the_target_with_exclusive()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);

        var result = HostRun.Run(project.Root, project.Arguments("--target=Patch", "--exclusive"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardOutput + result.StandardError, Does.Contain("run --target=Clone first"));
            Assert.That(result.StandardOutput, Does.Not.Contain("Clone:"));
        });
    }

    [Test]
    public void Should_print_cakes_summary_and_exit_1_when_a_task_fails()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        File.AppendAllText(Path.Combine(project.PatchesDirectory, "0002-mark-patched-build.patch"), "@@ -1 +1 @@\n-nothing like this\n+x\n");

        var result = HostRun.Run(project.Root, project.Arguments("--target=Snap"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardOutput, Does.Match(@"Task\s+Duration"));
            Assert.That(result.StandardOutput, Does.Match(@"Clone\s+[\d:.]+\s+Succeeded"));
            Assert.That(result.StandardOutput, Does.Match(@"Patch\s+[\d:.]+\s+Failed"));
            Assert.That(result.StandardError + result.StandardOutput, Does.Contain("0002-mark-patched-build.patch (series line 3) does not apply"));
            Assert.That(result.StandardError + result.StandardOutput, Does.Not.Contain("   at "), "no stack trace");
        });
    }

    [Test]
    public void Should_stop_a_second_run_on_the_same_work_directory_naming_the_holder()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        Directory.CreateDirectory(project.WorkDirectory);
        using var held = SnapBuild.Stages.WorkDirectoryLock.Acquire(project.WorkDirectory, TimeSpan.Zero, new SnapBuild.Common.CollectingLog());

        var result = HostRun.Run(project.Root, project.Arguments("--target=Clone"));

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardOutput + result.StandardError, Does.Contain($"in use by another run (process {Environment.ProcessId}"));
        });
    }
}
