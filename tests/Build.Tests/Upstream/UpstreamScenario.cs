using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Tests.Support;
using SnapBuild.Upstream;

namespace SnapBuild.Tests.Upstream;

/// <summary>
/// A recipe with a one-patch series whose upstream lives on the GitHub stand-in: the pinned tag
/// <c>demo-1.1.0</c>, newer releases in the tracked line <c>demo-1.*</c>, and a newer line
/// <c>demo-2.0.0</c>. The patch makes a priority call in <c>src/main.c</c> optional.
/// </summary>
internal sealed class UpstreamScenario : IDisposable
{
    public const string Pinned = "demo-1.1.0";
    public const string Newest = "demo-1.10.0";
    public const string MergeCommit = "4a7e5b1c9d3f2e8a6b0c4d2e1f3a5b7c9d0e2f41";

    public const string Original = """
        #include "sched.h"

        int main(void)
        {
            setup();
            raise_priority(-20);
            run();
            return 0;
        }

        """;

    public const string Patched = """
        #include "sched.h"

        int main(void)
        {
            setup();
        #ifdef WITH_PRIORITY
            raise_priority(-20);
        #endif
            run();
            return 0;
        }

        """;

    public const string Rewritten = """
        #include "sched.h"

        int main(void)
        {
            setup();
            if (want_priority())
                raise_priority(config.priority);
            run();
            return 0;
        }

        """;

    private const string Diff = """
        --- a/src/main.c
        +++ b/src/main.c
        @@ -3,7 +3,9 @@
         int main(void)
         {
             setup();
        +#ifdef WITH_PRIORITY
             raise_priority(-20);
        +#endif
             run();
             return 0;
         }

        """;

    private readonly TempDirectory directory = new("upstream-check");

    public UpstreamScenario(string header = "Forwarded: no\n")
    {
        GitHub = new FakeGitHub();
        foreach (var (tag, n) in new[] { ("demo-1.0.0", 1), (Pinned, 2), ("demo-1.9.0", 3), (Newest, 4), ("demo-1.10.0-rc1", 5), ("demo-2.0.0", 6) })
        {
            GitHub.Tags.Add((tag, new string((char)('0' + n), 40)));
        }

        GitHub.Releases.Add(("demo-2.1.0", true));
        GitHub.Files[(Newest, "src/main.c")] = Original;
        directory.Write("recipes/demo.yaml", """
            name: demo
            upstream:
              tag: demo-1.1.0
              sources:
                - git: https://example.invalid/demo.git
              github: acme/demo
              track: demo-1.*

            """);
        WritePatch(header);
    }

    public FakeGitHub GitHub { get; }

    public string Root => directory.Path;

    public string RecipePath => directory.Combine("recipes", "demo.yaml");

    public string CacheDirectory => directory.Combine("cache");

    public string ArtifactsDirectory => directory.Combine("artifacts");

    public CollectingLog Log { get; } = new();

    /// <summary>Rewrites the patch with another DEP-3 header, keeping the diff.</summary>
    public void WritePatch(string header) =>
        directory.Write("patches/demo/0001-priority-optional.patch", $"""
            Description: Make the priority call optional
            Author: Snap Maintainer <snap@example.org>
            {header.TrimEnd('\n')}
            Last-Update: 2026-12-01

            {Diff}
            """);

    public void WriteSeries(string series) => directory.Write("patches/demo/series", series);

    public GitHubOptions Options(string? token = null) => new()
    {
        ApiUrl = new Uri(GitHub.Url),
        Token = token,
        CacheDirectory = CacheDirectory,
        FirstRetryDelay = TimeSpan.FromMilliseconds(10),
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    public Task<UpstreamReport> CheckAsync(string? token = null)
    {
        if (!File.Exists(directory.Combine("patches", "demo", "series")))
        {
            WriteSeries("0001-priority-optional.patch\n");
        }

        return new UpstreamChecker(Options(token), Log, CancellationToken.None).CheckAsync(RecipeLoader.Load(RecipePath));
    }

    public void Dispose()
    {
        GitHub.Dispose();
        directory.Dispose();
    }
}
