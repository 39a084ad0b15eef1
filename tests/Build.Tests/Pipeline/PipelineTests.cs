using SnapBuild.Common;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Pipeline;

public class PipelineTests
{
    [Test]
    public void Should_clone_patch_build_and_stage_the_patched_program()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Pipeline();

        var release = pipeline.Clone();
        var patched = pipeline.Patch();
        var built = pipeline.Build()["amd64"];
        var binary = Path.Combine(pipeline.Layout.StageFor("amd64"), "usr", "bin", "cleaner");
        var output = Shell.Run(project.Root, binary);

        Assert.Multiple(() =>
        {
            Assert.That(release.Commit, Is.EqualTo(upstream.CommitOf(TestUpstream.FirstTag)));
            Assert.That(patched.Applied, Is.EqualTo(2));
            Assert.That(Shell.Git(project.Source, "log", "--format=%s", "-3").Split('\n')[..3], Is.EqualTo(new[]
            {
                "0002-mark-patched-build.patch", "0001-page-cleaner-priority-option.patch", "Release 1.0.0",
            }));
            Assert.That(built, Is.Not.Null);
            Assert.That(built!.StepsRun, Is.GreaterThan(10));
            Assert.That(output, Does.Contain("(patched)"));
            Assert.That(ImportedSymbols(binary), Does.Not.Contain("setpriority"), "the option compiles the call out");
            Assert.That(File.Exists(Path.Combine(pipeline.Layout.StageFor("amd64"), "usr", "bin", "cleanerctl")), Is.True);
        });
    }

    [Test]
    public void Should_skip_every_finished_stage_on_a_rerun()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var first = project.Built();
        first.Snap();

        var second = project.Pipeline();
        second.Clone();
        var patch = second.Patch();
        var build = second.Build()["amd64"];
        second.Snap();

        Assert.Multiple(() =>
        {
            Assert.That(patch.FilesRewritten, Is.Zero);
            Assert.That(build, Is.Null, "an up-to-date build is not run");
            Assert.That(project.Log.Lines, Has.Some.Contains("Patch: nothing changed"));
            Assert.That(project.Log.Lines, Has.Some.Contains("Build amd64: up to date"));
            Assert.That(project.Log.Lines, Has.Some.Contains("is up to date"));
        });
    }

    [Test]
    public void Should_recompile_only_what_an_edited_patch_touches()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var first = project.Patched();
        var cold = first.Build()["amd64"]!;
        var helper = Path.Combine(project.Source, "src", "helper3.cpp");
        var untouched = File.GetLastWriteTimeUtc(helper);

        var patch = Path.Combine(project.PatchesDirectory, "0002-mark-patched-build.patch");
        File.WriteAllText(patch, File.ReadAllText(patch).Replace("(patched)", "(patched again)", StringComparison.Ordinal));
        var second = project.Pipeline();
        second.Clone();
        var repatched = second.Patch();
        var warm = second.Build()["amd64"]!;
        var output = Shell.Run(project.Root, Path.Combine(second.Layout.StageFor("amd64"), "usr", "bin", "cleaner"));

        Assert.Multiple(() =>
        {
            Assert.That(repatched.FilesRewritten, Is.EqualTo(1), "only main.cpp differs");
            Assert.That(File.GetLastWriteTimeUtc(helper), Is.EqualTo(untouched));
            Assert.That(warm.StepsRun, Is.LessThanOrEqualTo(3), "compile main.cpp, link cleaner, maybe re-check");
            Assert.That(warm.StepsRun, Is.LessThan(cold.StepsRun / 3));
            Assert.That(output, Does.Contain("(patched again)"));
        });
        TestContext.Out.WriteLine($"cold build: {cold.StepsRun} ninja steps; after editing one patch: {warm.StepsRun}");
    }

    [Test]
    public void Should_redo_the_build_when_a_cmake_option_changes()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var first = project.Built();

        project.WriteRecipe($"    - git: {upstream.Url}\n", build: DemoProject.DefaultOptions.Replace(
            "WITH_PAGE_CLEANER_PRIORITY: \"OFF\"", "WITH_PAGE_CLEANER_PRIORITY: \"ON\"", StringComparison.Ordinal));
        var second = project.Pipeline();
        second.Clone();
        var patch = second.Patch();
        var rebuilt = second.Build()["amd64"];
        var binary = Path.Combine(second.Layout.StageFor("amd64"), "usr", "bin", "cleaner");

        Assert.Multiple(() =>
        {
            Assert.That(patch.FilesRewritten, Is.Zero, "the series did not change");
            Assert.That(rebuilt, Is.Not.Null);
            Assert.That(ImportedSymbols(binary), Does.Contain("setpriority"), "the call is compiled in again");
            Assert.That(project.Log.Lines, Has.Some.Contains("configuring"));
        });
    }

    [Test]
    public void Should_print_the_failing_command_and_its_output_and_keep_the_full_log()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        File.WriteAllText(Path.Combine(project.PatchesDirectory, "0003-break-helper5.patch"), """
            Description: Break the build on purpose
            Origin: vendor
            ---
            --- a/src/helper5.cpp
            +++ b/src/helper5.cpp
            @@ -1 +1 @@
            -int helper5() { return 5; }
            +int helper5() { return undeclared_thing; }

            """);
        File.AppendAllText(Path.Combine(project.PatchesDirectory, "series"), "0003-break-helper5.patch\n");
        var pipeline = project.Patched();

        var error = Assert.Throws<BuildException>(() => pipeline.Build());

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith("`ninja -C").And.Contain("failed with exit code 1"));
            Assert.That(error.Message, Does.Contain($"the full output is in {pipeline.Layout.LogFor("amd64")}"));
            Assert.That(error.Message, Does.Contain("FAILED: ").And.Contain("helper5.cpp").And.Contain("undeclared_thing"));
            Assert.That(File.ReadAllText(pipeline.Layout.LogFor("amd64")), Does.Contain("error:"));
            Assert.That(Directory.Exists(pipeline.Layout.StageFor("amd64")), Is.False, "no stage is left as if complete");
        });
    }

    [Test]
    public void Should_prove_under_seccomp_that_the_patched_build_survives_and_the_unpatched_one_dies()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Built();

        var outcomes = pipeline.Verify().ToDictionary(o => $"{o.Build} {o.Filter}");

        Assert.Multiple(() =>
        {
            Assert.That(outcomes["patched amd64 Kill"].Survived, Is.True);
            Assert.That(outcomes["patched amd64 Eperm"].Survived, Is.True);
            Assert.That(outcomes["unpatched amd64 Kill"].KilledBySigsys, Is.True, outcomes["unpatched amd64 Kill"].Detail);
            Assert.That(outcomes["unpatched amd64 Eperm"].Survived, Is.True, "EPERM only makes the call fail");
            Assert.That(ImportedSymbols(Path.Combine(pipeline.Layout.Unpatched.StageFor("amd64"), "usr", "bin", "cleaner")),
                Does.Contain("setpriority"));
        });
    }

    [Test]
    public void Should_fail_verify_when_the_patched_build_still_calls_setpriority()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        project.WriteRecipe($"    - git: {upstream.Url}\n", build: DemoProject.DefaultOptions.Replace(
            "WITH_PAGE_CLEANER_PRIORITY: \"OFF\"", "WITH_PAGE_CLEANER_PRIORITY: \"ON\"", StringComparison.Ordinal));
        var pipeline = project.Built();

        var error = Assert.Throws<BuildException>(() => pipeline.Verify());

        Assert.That(error!.Message, Does.StartWith("Verify failed: the patched amd64 build did not survive the kill (SIGSYS) filter (killed by SIGSYS)"));
    }

    [Test]
    public void Should_build_what_an_install_component_needs_beyond_the_listed_targets()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        project.WriteRecipe($"    - git: {upstream.Url}\n", build: DemoProject.DefaultOptions.Replace(
            "targets: [cleaner, cleanerctl]", "targets: [cleaner]", StringComparison.Ordinal));

        var pipeline = project.Built();

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(Path.Combine(pipeline.Layout.StageFor("amd64"), "usr", "bin", "cleanerctl")), Is.True);
            Assert.That(project.Log.Lines, Has.Some.Contains("the Client install needs cleanerctl, which the targets do not build"));
        });
    }

    [Test]
    public void Should_refuse_to_patch_before_anything_is_cloned()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);

        var error = Assert.Throws<BuildException>(() => project.Pipeline().Patch());

        Assert.That(error!.Message, Does.Contain("run --target=Clone first"));
    }

    [Test]
    public void Should_write_a_part_that_pins_the_tag_and_applies_the_series()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Pipeline();
        pipeline.Clone();

        var part = File.ReadAllText(pipeline.Snap());

        Assert.Multiple(() =>
        {
            Assert.That(part, Does.Contain("source-tag: v1.0.0"));
            Assert.That(part, Does.Contain("patches/demo/0001-page-cleaner-priority-option.patch"));
            Assert.That(part, Does.Contain("-DWITH_PAGE_CLEANER_PRIORITY=OFF"));
        });
    }

    [Test]
    public void Should_clean_the_work_directory_but_keep_the_cache()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Pipeline();
        pipeline.Clone();

        pipeline.Clean();

        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(pipeline.Layout.Root), Is.False);
            Assert.That(Directory.Exists(pipeline.Cache.MirrorFor("demo")), Is.True);
        });
    }

    /// <summary>The dynamic symbols a program imports, as nm lists them.</summary>
    internal static string ImportedSymbols(string binary) =>
        Shell.Run(Path.GetDirectoryName(binary)!, "nm", "-D", "--undefined-only", binary);
}
