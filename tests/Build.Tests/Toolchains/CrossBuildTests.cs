using SnapBuild.Common;
using SnapBuild.Tests.Support;
using SnapBuild.Toolchains;

namespace SnapBuild.Tests.Toolchains;

/// <summary>The whole pipeline for amd64, arm64 and armhf on the tests' upstream, on one amd64 host.</summary>
public class CrossBuildTests
{
    [Test]
    public void Should_build_check_smoke_and_verify_every_architecture()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Patched("--arch=amd64,arm64,armhf");

        var built = pipeline.Build();
        var outcomes = pipeline.Verify().ToDictionary(o => $"{o.Build} {o.Filter}");

        Assert.Multiple(() =>
        {
            Assert.That(built.Keys, Is.EquivalentTo(new[] { "amd64", "arm64", "armhf" }));
            foreach (var architecture in Architecture.All)
            {
                var binary = Path.Combine(pipeline.Layout.StageFor(architecture.Name), "usr", "bin", "cleaner");
                Assert.That(ElfOf(binary), Is.EqualTo((architecture.ElfMachine, architecture.ElfClass)), architecture.Name);
                Assert.That(project.Log.Lines, Has.Some.Contains($"Build {architecture.Name}: smoke run"));
                Assert.That(outcomes[$"patched {architecture.Name} Kill"].Survived, Is.True, architecture.Name);
                Assert.That(outcomes[$"patched {architecture.Name} Eperm"].Survived, Is.True, architecture.Name);
                Assert.That(outcomes[$"unpatched {architecture.Name} Kill"].KilledBySigsys, Is.True,
                    $"{architecture.Name}: {outcomes[$"unpatched {architecture.Name} Kill"].Detail}");
            }

            Assert.That(project.Log.Lines, Has.Some.Contains("smoke run under qemu-aarch64"));
            Assert.That(project.Log.Lines, Has.Some.Contains("Build summary:"));
        });
    }

    [Test]
    public void Should_finish_the_other_architectures_when_one_fails_and_name_it()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        project.WriteRecipe($"    - git: {upstream.Url}\n", build: DemoProject.DefaultOptions.Replace(
            "  targets: [cleaner, cleanerctl]",
            "  arch-options:\n    arm64:\n      CMAKE_CXX_FLAGS: \"-fno-such-flag-for-the-test\"\n  targets: [cleaner, cleanerctl]",
            StringComparison.Ordinal));
        var pipeline = project.Patched("--arch=amd64,arm64,armhf");

        var error = Assert.Throws<BuildException>(() => pipeline.Build());

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith("The build failed for arm64 (the others built); arm64: `"));
            Assert.That(error.Message, Does.Contain("-fno-such-flag-for-the-test"));
            Assert.That(Directory.Exists(pipeline.Layout.StageFor("amd64")), Is.True);
            Assert.That(Directory.Exists(pipeline.Layout.StageFor("armhf")), Is.True);
            Assert.That(Directory.Exists(pipeline.Layout.StageFor("arm64")), Is.False);
            Assert.That(project.Log.Lines, Has.Some.Match(@"arm64\s+failed"));
            Assert.That(project.Log.Lines, Has.Some.Match(@"armhf\s+built, \d+ ninja steps"));
        });
    }

    [Test]
    public void Should_build_just_the_architecture_asked_for()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Patched("--arch=arm64");

        var built = pipeline.Build();

        Assert.Multiple(() =>
        {
            Assert.That(built.Keys, Is.EqualTo(new[] { "arm64" }));
            Assert.That(Directory.Exists(pipeline.Layout.StageFor("amd64")), Is.False);
            Assert.That(File.ReadAllText(Path.Combine(pipeline.Layout.Toolchains, "arm64.cmake")),
                Does.Contain("set(CMAKE_CXX_COMPILER /usr/bin/aarch64-linux-gnu-g++)")
                    .And.Contain("set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)")
                    .And.Contain("PKG_CONFIG_LIBDIR} \"/usr/lib/aarch64-linux-gnu/pkgconfig"));
            Assert.That(project.Log.Lines, Has.Some.Match(@"Build host-tools: \d+ ninja steps"));
        });
    }

    [Test]
    public void Should_fail_a_stage_that_holds_a_binary_for_another_architecture()
    {
        using var directory = new TempDirectory();
        var stage = directory.Combine("stage");
        Directory.CreateDirectory(Path.Combine(stage, "usr", "bin"));
        File.Copy("/bin/true", Path.Combine(stage, "usr", "bin", "true"));

        var error = Assert.Throws<BuildException>(() => ElfCheck.Check(stage, Architecture.Named("arm64")));

        Assert.That(error!.Message, Does.StartWith("usr/bin/true in the arm64 stage is built for x86-64, 64-bit, not AArch64, 64-bit"));
    }

    private static (ushort, byte) ElfOf(string path)
    {
        var header = File.ReadAllBytes(path)[..20];

        return ((ushort)(header[18] | (header[19] << 8)), header[4]);
    }
}
