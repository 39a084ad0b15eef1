using BenchmarkDotNet.Attributes;
using SnapBuild.Patches;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Benchmarks;

/// <summary>
/// The host's own work that no command line shows apart: reading and vetting a series, applying
/// it (without the host's start-up), and importing a tarball into objects and an unpacked tree.
/// Memory is measured per operation.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class InProcessBenchmarks : IDisposable
{
    private TempDirectory scratch = null!;
    private string series = null!;
    private string tarball = null!;
    private string worktree = null!;
    private string upstreamCommit = null!;
    private int round;

    [Params(50, 500)]
    public int Patches { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        scratch = new TempDirectory("bench");
        var patches = scratch.Combine("patches");
        Directory.CreateDirectory(patches);
        Fixtures.WriteSeries(patches, Patches);
        series = Path.Combine(patches, "series");

        // A clone of the tests' upstream at its tag, for the series to be applied to.
        using var upstream = new TestUpstream();
        worktree = scratch.Combine("worktree");
        Shell.Git(scratch.Path, "clone", "-q", upstream.Repository, worktree);
        upstreamCommit = upstream.CommitOf(TestUpstream.FirstTag);

        // A tarball of the tests' upstream with the generated files in it as well.
        var tree = scratch.Combine("tree", "demo-1.0.0");
        Shell.Git(upstream.Repository, "worktree", "add", "-q", "--detach", tree, TestUpstream.FirstTag);
        foreach (var entry in SeriesFile.Read(series).Entries)
        {
            Shell.Run(tree, "git", "apply", entry.Path);
        }

        File.Delete(Path.Combine(tree, ".git"));
        tarball = scratch.Combine("demo.tar.gz");
        Shell.Run(scratch.Combine("tree"), "tar", "-czf", tarball, "demo-1.0.0");
    }

    [GlobalCleanup]
    public void Dispose()
    {
        scratch.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "read and vet the series (DEP-3 headers, paths)")]
    public int ReadSeries()
    {
        var read = SeriesFile.Read(series);

        return read.Entries.Sum(e => PatchFile.Read(e.Path, e.StripLevel).Files.Count);
    }

    [IterationSetup(Target = nameof(ApplySeries))]
    public void BackToUpstream() => Shell.Git(worktree, "checkout", "-q", "-f", "--detach", upstreamCommit);

    [Benchmark(Description = "apply the series: hunks, trees, commits in one pack, one checkout")]
    public string ApplySeries() => new PatchApplier(new SnapBuild.Common.CollectingLog())
        .Apply(worktree, upstreamCommit, SeriesFile.Read(series), false, default).Head;

    [Benchmark(Description = "import the tarball: pack, unpacked tree, index")]
    public string ImportTarball()
    {
        var target = scratch.Combine($"import-{round++}");
        Shell.Git(scratch.Path, "init", "-q", "--bare", Path.Combine(target, "mirror.git"));
        var import = TarballTree.Import(
            tarball,
            Path.Combine(target, "mirror.git", "objects"),
            "bench <bench@example.invalid>",
            "Import",
            default,
            Path.Combine(target, "src"));
        GitIndexFile.Write(import.Unpacked!.Value.Root, import.Unpacked.Value.Entries);
        Directory.Delete(target, recursive: true);

        return import.Commit;
    }
}
