using SnapBuild.Common;
using SnapBuild.Settings;
using SnapBuild.Toolchains;

namespace SnapBuild.Tests.Support;

/// <summary>
/// A project laid out like this repository (<c>recipes/demo.yaml</c>, <c>patches/demo/</c>)
/// around the tests' own upstream, with its work, cache and artifacts folders inside a
/// throwaway directory.
/// </summary>
public sealed class DemoProject : IDisposable
{
    public const string DefaultOptions = """
        build:
          options:
            CMAKE_BUILD_TYPE: Release
            WITH_PAGE_CLEANER_PRIORITY: "OFF"
          targets: [cleaner, cleanerctl]
          install-components: [Server, Client]
          smoke: ["{stage}/usr/bin/cleanerctl"]
          host-tools:
            targets: [gen_banner]
        snap:
          build-packages: [g++, cmake, ninja-build]
          stage: [usr/bin/cleaner, usr/bin/cleanerctl, usr/share/cleaner]
        verify:
          start: ["{stage}/usr/bin/cleaner"]
          timeout: 30
        """;

    private readonly TempDirectory directory = new("project");

    public DemoProject(TestUpstream upstream, string? sources = null, string tag = TestUpstream.FirstTag)
    {
        Upstream = upstream;
        upstream.CopySeriesTo(directory.Combine("patches", "demo"));
        WriteRecipe(sources ?? $"    - git: {upstream.Url}\n", tag);
    }

    public TestUpstream Upstream { get; }

    public string Root => directory.Path;

    public string RecipePath => directory.Combine("recipes", "demo.yaml");

    public string LockPath => directory.Combine("recipes", "demo.lock");

    public string WorkDirectory => directory.Combine("work");

    public string CacheDirectory => directory.Combine("cache");

    public string ArtifactsDirectory => directory.Combine("artifacts");

    public string Source => Path.Combine(WorkDirectory, "demo", "src");

    public string PatchesDirectory => directory.Combine("patches", "demo");

    public CollectingLog Log { get; private set; } = new();

    public void WriteRecipe(string sources, string tag = TestUpstream.FirstTag, string build = DefaultOptions)
    {
        directory.Write("recipes/demo.yaml", $"""
            name: demo
            description: The tests' page-cleaner program.
            upstream:
              tag: {tag}
              sources:
            {sources.TrimEnd('\n')}
            architectures: [amd64]
            {build}

            """);
    }

    /// <summary>The options every run of this project passes, plus any extra ones.</summary>
    public string[] Arguments(params string[] extra) =>
    [
        $"--recipe={RecipePath}",
        $"--work-dir={WorkDirectory}",
        $"--cache-dir={CacheDirectory}",
        $"--artifacts-dir={ArtifactsDirectory}",
        .. extra,
    ];

    /// <summary>A pipeline over this project, as the tasks would make it, with a fresh log.</summary>
    public SnapBuild.Pipeline.BuildPipeline Pipeline(params string[] extra)
    {
        var settings = Settings(extra);
        Log = new CollectingLog();

        return new SnapBuild.Pipeline.BuildPipeline(settings, Log, new SilentProgress(), CancellationToken.None);
    }

    /// <summary>The settings a run with these arguments resolves (no environment variables).</summary>
    public BuildSettings Settings(params string[] extra)
    {
        var arguments = Arguments(extra)
            .Select(a => a[2..].Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "true");

        return BuildSettings.Resolve(name => arguments.GetValueOrDefault(name), _ => null);
    }

    /// <summary>A pipeline that has cloned and patched the upstream.</summary>
    public SnapBuild.Pipeline.BuildPipeline Patched(params string[] extra)
    {
        var pipeline = Pipeline(extra);
        pipeline.Clone();
        pipeline.Patch();

        return pipeline;
    }

    /// <summary>A pipeline that has cloned, patched and built the upstream.</summary>
    public SnapBuild.Pipeline.BuildPipeline Built(params string[] extra)
    {
        var pipeline = Patched(extra);
        pipeline.Build();

        return pipeline;
    }

    public void Dispose() => directory.Dispose();

    /// <summary>A progress display that shows nothing, for pipelines the tests drive directly.</summary>
    public sealed class SilentProgress : IProgressDisplay
    {
        public void Start(bool interactive, TimeSpan plainInterval)
        {
        }

        public void Update(NinjaProgress progress)
        {
        }

        public void Finish(NinjaProgress progress)
        {
        }
    }
}
