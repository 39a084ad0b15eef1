using System.Text.Json;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Upstream;

/// <summary>The UpstreamCheck target as a nightly job runs it: the host program, its exit code and its files.</summary>
public class UpstreamCheckTaskTests
{
    private const string Token = "ghp_TaskTestTokenThatMustNeverBePrinted0";

    [TestCase("needed", 0)]
    [TestCase("merged", 3)]
    [TestCase("conflicts", 4)]
    public void Should_exit_with_the_code_of_its_answer_and_write_the_reports(string situation, int exitCode)
    {
        using var scenario = new UpstreamScenario();
        scenario.WriteSeries("0001-priority-optional.patch\n");
        scenario.GitHub.Files[(UpstreamScenario.Newest, "src/main.c")] = situation switch
        {
            "merged" => UpstreamScenario.Patched,
            "conflicts" => UpstreamScenario.Rewritten,
            _ => UpstreamScenario.Original,
        };
        var summary = Path.Combine(scenario.Root, "step-summary.md");
        File.WriteAllText(summary, "# Earlier step\n");

        var result = Run(scenario, summary);

        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(scenario.ArtifactsDirectory, "upstream-check.json")));
        var everything = result.StandardOutput + result.StandardError
            + string.Concat(Directory.EnumerateFiles(scenario.Root, "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.CombinedTail(30));
            Assert.That(json.RootElement.GetProperty("exit_code").GetInt32(), Is.EqualTo(exitCode));
            Assert.That(json.RootElement.GetProperty("newest_tracked").GetString(), Is.EqualTo(UpstreamScenario.Newest));
            Assert.That(File.ReadAllText(Path.Combine(scenario.ArtifactsDirectory, "upstream-check.md")),
                Does.Contain("| `0001-priority-optional.patch` |"));
            Assert.That(File.ReadAllText(summary), Does.StartWith("# Earlier step\n## Upstream check: acme/demo"));
            Assert.That(result.StandardOutput, Does.Contain("GitHub: 3 requests, 0 answered 304 Not Modified"));
            Assert.That(result.StandardOutput, Does.Contain("set (GITHUB_TOKEN, not shown)"));
            Assert.That(everything.Contains(Token, StringComparison.Ordinal), Is.False, "the token appears nowhere");
        });
    }

    [Test]
    public void Should_answer_from_304s_on_a_second_run()
    {
        using var scenario = new UpstreamScenario();
        scenario.WriteSeries("0001-priority-optional.patch\n");
        Run(scenario, null);

        var second = Run(scenario, null);

        Assert.Multiple(() =>
        {
            Assert.That(second.ExitCode, Is.Zero, second.CombinedTail(30));
            Assert.That(second.StandardOutput, Does.Contain("GitHub: 3 requests, 3 answered 304 Not Modified, 0 retried"));
        });
    }

    [Test]
    public void Should_fail_in_one_sentence_without_a_stack_trace_when_the_rate_limit_is_used_up()
    {
        using var scenario = new UpstreamScenario();
        scenario.WriteSeries("0001-priority-optional.patch\n");
        scenario.GitHub.Fail("/tags", () => FakeGitHub.RateLimited(DateTimeOffset.UtcNow.AddMinutes(30)));

        var result = Run(scenario, null);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardError + result.StandardOutput, Does.Contain("GitHub's rate limit (60 requests an hour) is used up"));
            Assert.That(result.StandardError + result.StandardOutput, Does.Not.Contain("   at "));
        });
    }

    private static SnapBuild.Common.ProcessResult Run(UpstreamScenario scenario, string? summary) =>
        HostRun.Run(
            scenario.Root,
            new Dictionary<string, string?> { ["GITHUB_TOKEN"] = Token, ["GITHUB_STEP_SUMMARY"] = summary },
            "--target=UpstreamCheck",
            $"--recipe={scenario.RecipePath}",
            $"--work-dir={Path.Combine(scenario.Root, "work")}",
            $"--cache-dir={scenario.CacheDirectory}",
            $"--artifacts-dir={scenario.ArtifactsDirectory}",
            $"--github-api-url={scenario.GitHub.Url}");
}
