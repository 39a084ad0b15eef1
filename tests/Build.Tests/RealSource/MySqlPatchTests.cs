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
    private string? hostTools;

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
            Assert.That(patchRun.StandardOutput, Does.Contain("Patch: 3 patches applied"));
            Assert.That(Shell.Git(source, "log", "-3", "--format=%s").Trim().Split('\n'), Is.EqualTo(new[]
            {
                "0003-armhf-default-tls-model.patch",
                "0002-allow-32-bit-builds.patch",
                "0001-innodb-page-cleaner-priority-option.patch",
            }));
            Assert.That(File.ReadAllText(Path.Combine(source, "storage", "innobase", "innodb.cmake")), Does.Contain(Option));
        });
    }

    [TestCase("amd64")]
    [TestCase("arm64")]
    [TestCase("armhf")]
    public void Should_compile_setpriority_out_of_buf0flu_with_the_option_off(string architecture)
    {
        var objects = CompileBufFlu(Architecture.Named(architecture), "OFF");

        Assert.Multiple(() =>
        {
            Assert.That(objects.Machine, Is.EqualTo(Architecture.Named(architecture).ElfMachine), "built for the architecture");
            Assert.That(objects.Flush, Does.Not.Contain("setpriority").And.Not.Contain("getpriority"));
            Assert.That(objects.Flush, Does.Contain("os_event_wait"), "the object is really buf0flu's");
            Assert.That(objects.Pool, Does.Not.Contain("setpriority"), "buf0buf.cc's buffer-pool threads too");
        });
    }

    [TestCase("amd64")]
    [TestCase("arm64")]
    [TestCase("armhf")]
    public void Should_keep_setpriority_in_buf0flu_with_the_option_on_as_upstream_does(string architecture)
    {
        var objects = CompileBufFlu(Architecture.Named(architecture), "ON");

        Assert.Multiple(() =>
        {
            Assert.That(objects.Flush, Does.Contain("setpriority").And.Contain("getpriority"));
            Assert.That(objects.Pool, Does.Contain("setpriority"));
        });
    }

    [TestCase("amd64", true)]
    [TestCase("arm64", false)]
    [TestCase("armhf", false)]
    public void Should_use_the_initial_exec_tls_model_everywhere_but_on_arm(string architecture, bool initialExec)
    {
        var buildDirectory = ConfigureFor(Architecture.Named(architecture), "OFF");

        var command = Shell.Run(buildDirectory, "ninja", "-t", "commands", ObjectTarget(buildDirectory, "buf/buf0flu.cc.o"))
            .Trim()
            .Split('\n')[^1];

        Assert.That(command.Contains("-ftls-model=initial-exec", StringComparison.Ordinal), Is.EqualTo(initialExec), command);
    }

    /// <summary>
    /// Configures one architecture with the recipe's options (the option set as given) and compiles
    /// buf0flu.cc alone; a cross configure uses the tool's own toolchain file and finds a native
    /// comp_err on PATH, as the host-tools pass provides it.
    /// </summary>
    private (string Flush, string Pool, ushort Machine) CompileBufFlu(Architecture architecture, string value)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var buildDirectory = ConfigureFor(architecture, value);
        var configured = clock.Elapsed;
        IReadOnlyList<string> path = architecture.IsHost ? [] : [HostTools()];
        var objectTarget = ObjectTarget(buildDirectory, "buf/buf0flu.cc.o");
        var poolTarget = ObjectTarget(buildDirectory, "buf/buf0buf.cc.o");
        clock.Restart();
        var output = Run(buildDirectory, path, "ninja", "-j", SnapBuild.Pipeline.BuildPipeline.DefaultJobs().ToString(), objectTarget, poolTarget);
        var steps = output.Split('\n').Count(l => l.StartsWith('['));
        TestContext.Progress.WriteLine(
            $"{architecture.Name} {Option}={value}: configure {configured.TotalSeconds:F0} s, buf0flu.cc.o and buf0buf.cc.o in {steps} ninja steps, "
            + $"{clock.Elapsed.TotalSeconds:F0} s");
        var file = Path.Combine(buildDirectory, objectTarget);
        var header = File.ReadAllBytes(file)[..20];
        var nm = architecture.IsHost ? "nm" : $"{architecture.Triplet}-nm";

        return (
            Shell.Run(buildDirectory, nm, "--undefined-only", "--demangle", file),
            Shell.Run(buildDirectory, nm, "--undefined-only", "--demangle", Path.Combine(buildDirectory, poolTarget)),
            (ushort)(header[18] | (header[19] << 8)));
    }

    /// <summary>Configures one architecture's build tree with the recipe's options and the option as given.</summary>
    private string ConfigureFor(Architecture architecture, string value)
    {
        Assume.That(patchRun.ExitCode, Is.Zero, "Clone and Patch must have worked");
        var log = new CollectingLog();
        var recipe = MySqlSource.Recipe;
        new Prerequisites(log).Ensure($"the MySQL {architecture.Name} configure",
            [.. architecture.CrossPackages, .. recipe.Build.PackagesFor(architecture.Name)], default);
        var toolchain = architecture.IsHost
            ? Toolchain.Native(architecture.Name, log)
            : Toolchain.Cross(architecture, work.Combine("toolchains"), log);
        IReadOnlyList<string> path = architecture.IsHost ? [] : [HostTools()];
        var options = recipe.Build.OptionsFor(architecture.Name)
            .Select(o => o.Key == Option ? new KeyValuePair<string, string>(Option, value) : o)
            .ToList();
        var buildDirectory = work.Combine("build-" + architecture.Name);
        Configure(buildDirectory, options, toolchain, path);

        return buildDirectory;
    }

    /// <summary>A native comp_err, built once from the patched tree, for the cross configures.</summary>
    private string HostTools()
    {
        if (hostTools is not null)
        {
            return hostTools;
        }

        var log = new CollectingLog();
        var spec = MySqlSource.Recipe.Build.HostTools!;
        var buildDirectory = work.Combine("build-host-tools");
        Configure(buildDirectory, MySqlSource.Recipe.Build.OptionsFor("amd64"), Toolchain.Native("amd64", log), []);
        Run(buildDirectory, [], "ninja", ["-j", SnapBuild.Pipeline.BuildPipeline.DefaultJobs().ToString(), .. spec.Targets]);
        hostTools = Path.Combine(buildDirectory, spec.Directory);

        return hostTools;
    }

    private void Configure(string buildDirectory, IReadOnlyList<KeyValuePair<string, string>> options, Toolchain toolchain, IReadOnlyList<string> path)
    {
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
            Jobs = 1,
        };
        Run(work.Path, path, "cmake", [.. CMakeBuild.ConfigureArguments(plan, toolchain)]);
    }

    private static string ObjectTarget(string buildDirectory, string suffix) =>
        Shell.Run(buildDirectory, "ninja", "-t", "targets", "all")
            .Split('\n')
            .Select(l => l.Split(':')[0])
            .Single(t => t.EndsWith(suffix, StringComparison.Ordinal));

    private static string Run(string directory, IReadOnlyList<string> path, string program, params string[] arguments)
    {
        var environment = new Dictionary<string, string?>();
        if (path.Count > 0)
        {
            environment["PATH"] = string.Join(':', path.Append(Environment.GetEnvironmentVariable("PATH")!));
        }

        var result = ProcessRunner.Run(new ProcessSpec(program, arguments) { WorkingDirectory = directory, Environment = environment });
        if (result.ExitCode != 0)
        {
            Assert.Fail($"{program} {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.CombinedTail(40)}");
        }

        return result.StandardOutput;
    }
}
