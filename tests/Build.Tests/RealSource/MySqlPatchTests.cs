using SnapBuild.Common;
using SnapBuild.Tests.Support;
using SnapBuild.Toolchains;

namespace SnapBuild.Tests.RealSource;

/// <summary>
/// The project's MySQL recipe and series on the real 9.7.2 source: Clone and Patch through the
/// host with <c>--upstream-url</c>, then <c>buf0flu.cc</c> compiled with the page-cleaner option on
/// and off, checked by the symbols its object file needs.
/// </summary>
[Category("RealSource")]
[NonParallelizable]
public class MySqlPatchTests
{
    private const string Option = "WITH_INNODB_PAGE_CLEANER_PRIORITY";

    private TempDirectory work = null!;
    private ProcessResult patchRun = null!;
    private string source = null!;
    private string buildDirectory = null!;

    [OneTimeSetUp]
    public void CloneAndPatch()
    {
        work = new TempDirectory("mysql");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        patchRun = HostRun.Run(Fixtures.RepositoryRoot,
            $"--recipe={MySqlSource.Recipe.Path}",
            $"--upstream-url={MySqlSource.Repository}",
            $"--work-dir={work.Combine("work")}",
            $"--cache-dir={Path.Combine(MySqlSource.CacheRoot, "tool")}",
            $"--artifacts-dir={work.Combine("artifacts")}",
            "--arch=amd64",
            "--target=Patch");
        TestContext.Progress.WriteLine(
            $"MySQL source: fetch+verify {MySqlSource.FetchTime.TotalSeconds:F0} s, import into the stand-in repository "
            + $"{MySqlSource.ImportTime.TotalSeconds:F0} s, Clone+Patch through the host {clock.Elapsed.TotalSeconds:F0} s");
        source = work.Combine("work", "mysql", "src");
        buildDirectory = work.Combine("build");
    }

    [OneTimeTearDown]
    public void TearDown() => work.Dispose();

    [Test]
    public void Should_clone_through_the_upstream_url_and_apply_the_series()
    {
        Assert.Multiple(() =>
        {
            Assert.That(patchRun.ExitCode, Is.Zero, patchRun.CombinedTail(40));
            Assert.That(patchRun.StandardOutput, Does.Contain($"served by git {MySqlSource.Repository}"));
            Assert.That(patchRun.StandardOutput, Does.Contain("Patch: 1 patches applied"));
            Assert.That(Shell.Git(source, "log", "-1", "--format=%s").Trim(),
                Is.EqualTo("0001-innodb-page-cleaner-priority-option.patch"));
            Assert.That(File.ReadAllText(Path.Combine(source, "storage", "innobase", "innodb.cmake")), Does.Contain(Option));
        });
    }

    [Test]
    public void Should_compile_setpriority_out_of_buf0flu_with_the_option_off()
    {
        var symbols = CompileBufFlu("OFF");

        Assert.Multiple(() =>
        {
            Assert.That(symbols, Does.Not.Contain("setpriority").And.Not.Contain("getpriority"));
            Assert.That(symbols, Does.Contain("os_event_wait"), "the object is really buf0flu's");
        });
    }

    [Test]
    public void Should_keep_setpriority_in_buf0flu_with_the_option_on_as_upstream_does()
    {
        var symbols = CompileBufFlu("ON");

        Assert.That(symbols, Does.Contain("setpriority").And.Contain("getpriority"));
    }

    /// <summary>Configures amd64 with the recipe's options (the option set as given), compiles buf0flu.cc alone.</summary>
    private string CompileBufFlu(string value)
    {
        Assume.That(patchRun.ExitCode, Is.Zero, "Clone and Patch must have worked");
        var log = new CollectingLog();
        var toolchain = Toolchain.Native("amd64", log);
        new Prerequisites(log).Ensure("the MySQL configure", MySqlSource.Recipe.Build.PackagesFor("amd64"), default);
        var options = MySqlSource.Recipe.Build.OptionsFor("amd64")
            .Select(o => o.Key == Option ? new KeyValuePair<string, string>(Option, value) : o)
            .ToList();
        var plan = new CMakeBuildPlan
        {
            SourceDirectory = source,
            BuildDirectory = buildDirectory,
            StageDirectory = work.Combine("stage"),
            LogFile = work.Combine("configure.log"),
            Prefix = MySqlSource.Recipe.Build.Prefix,
            Options = options,
            Targets = [],
            InstallComponents = [],
            Jobs = SnapBuild.Pipeline.BuildPipeline.DefaultJobs(),
        };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Shell.Run(work.Path, "cmake", [.. CMakeBuild.ConfigureArguments(plan, toolchain)]);
        var configured = clock.Elapsed;
        var objectTarget = Shell.Run(buildDirectory, "ninja", "-t", "targets", "all")
            .Split('\n')
            .Select(l => l.Split(':')[0])
            .Single(t => t.EndsWith("buf/buf0flu.cc.o", StringComparison.Ordinal));
        clock.Restart();
        var output = Shell.Run(buildDirectory, "ninja", "-j", plan.Jobs.ToString(), objectTarget);
        var steps = output.Split('\n').Count(l => l.StartsWith('['));
        TestContext.Progress.WriteLine(
            $"{Option}={value}: configure {configured.TotalSeconds:F0} s, buf0flu.cc.o in {steps} ninja steps, "
            + $"{clock.Elapsed.TotalSeconds:F0} s");

        return Shell.Run(buildDirectory, "nm", "--undefined-only", "--demangle", Path.Combine(buildDirectory, objectTarget));
    }
}
