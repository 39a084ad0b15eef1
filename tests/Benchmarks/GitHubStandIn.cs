using SnapBuild.Tests.Upstream;

namespace SnapBuild.Benchmarks;

/// <summary>
/// The tests' GitHub stand-in and upstream-check scenario, kept running for the upstream-check
/// row: it prints where the recipe and the server are, then serves until its input closes, and
/// says how many requests it saw and how many of them were conditional.
/// </summary>
public static class GitHubStandIn
{
    public static int Serve(string directory)
    {
        using var scenario = new UpstreamScenario();
        scenario.WriteSeries("0001-priority-optional.patch\n");
        var lines = new[]
        {
            $"GITHUB_URL={scenario.GitHub.Url}",
            $"CHECK_RECIPE={scenario.RecipePath}",
            $"CHECK_ROOT={scenario.Root}",
            $"CHECK_CACHE={scenario.CacheDirectory}",
            $"CHECK_ARTIFACTS={scenario.ArtifactsDirectory}",
        };
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, "github.env"), lines);
        Console.WriteLine(string.Join('\n', lines));
        Console.Out.Flush();

        // Each line on standard input asks for the counts so far, then forgets them.
        while (Console.ReadLine() is not null)
        {
            var seen = scenario.GitHub.Seen;
            Console.WriteLine(
                $"requests={seen.Count} conditional={seen.Count(r => r.IfNoneMatch is not null)} "
                + $"not_modified={seen.Count(r => r.Status == 304)}");
            Console.Out.Flush();
            scenario.GitHub.ClearSeen();
        }

        return 0;
    }
}
