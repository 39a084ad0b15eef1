using SnapBuild.Common;
using SnapBuild.Tests.Support;
using SnapBuild.Upstream;

namespace SnapBuild.Tests.Upstream;

public class UpstreamCheckerTests
{
    [Test]
    public async Task Should_find_the_newest_release_by_version_not_by_string()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.PageSize = 2;

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.NewestTracked, Is.EqualTo("demo-1.10.0"), "1.10.0 is newer than 1.9.0; the rc is no release");
            Assert.That(report.NewestOverall, Is.EqualTo("demo-2.0.0"), "the 2.1.0 release is a prerelease");
            Assert.That(report.Pinned, Is.EqualTo("demo-1.1.0"));
            Assert.That(scenario.GitHub.Seen.Count(r => r.PathAndQuery.Contains("/tags", StringComparison.Ordinal)), Is.EqualTo(3),
                "six tags at two per page are three pages, followed through the Link header");
        });
    }

    [Test]
    public async Task Should_call_a_patch_needed_when_it_still_applies_and_nothing_upstream_took_it()
    {
        using var scenario = new UpstreamScenario();

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.Needed));
            Assert.That(report.Patches.Single().Evidence, Has.Some.Contains("at demo-1.10.0: applies as it is"));
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.StillNeeded));
            Assert.That((int)report.Answer, Is.Zero);
        });
    }

    [Test]
    public async Task Should_call_a_patch_merged_when_its_pull_request_is_merged_into_the_newest_tag()
    {
        using var scenario = new UpstreamScenario("Forwarded: https://github.com/acme/demo/pull/42\n");
        scenario.GitHub.Pulls[42] = ("closed", UpstreamScenario.MergeCommit);
        scenario.GitHub.Comparisons[(UpstreamScenario.MergeCommit, UpstreamScenario.Newest)] = "ahead";

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.MergedUpstream));
            Assert.That(report.Patches.Single().Evidence, Has.Some.Contains("acme/demo#42 merged as 4a7e5b1c9d3f, in demo-1.10.0"));
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.Unnecessary));
            Assert.That((int)report.Answer, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task Should_keep_a_patch_needed_when_its_merged_pull_request_is_not_in_the_newest_tag()
    {
        using var scenario = new UpstreamScenario("Forwarded: https://github.com/acme/demo/pull/42\n");
        scenario.GitHub.Pulls[42] = ("closed", UpstreamScenario.MergeCommit);
        scenario.GitHub.Comparisons[(UpstreamScenario.MergeCommit, UpstreamScenario.Newest)] = "diverged";

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.Needed));
            Assert.That(report.Patches.Single().Evidence, Has.Some.Contains("merged as 4a7e5b1c9d3f, not in demo-1.10.0"));
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.StillNeeded));
        });
    }

    [TestCase("open", "pull request acme/demo#7 is open, not merged")]
    [TestCase("closed", "pull request acme/demo#7 is closed, not merged")]
    public async Task Should_report_an_unmerged_pull_request_and_judge_by_the_files(string state, string evidence)
    {
        using var scenario = new UpstreamScenario("Forwarded: https://github.com/acme/demo/pull/7\n");
        scenario.GitHub.Pulls[7] = (state, null);

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.Needed));
            Assert.That(report.Patches.Single().Evidence, Has.Some.EqualTo(evidence));
        });
    }

    [Test]
    public async Task Should_say_when_the_pull_request_a_patch_names_does_not_exist()
    {
        using var scenario = new UpstreamScenario("Forwarded: https://github.com/acme/demo/pull/9999\n");

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.Needed));
            Assert.That(report.Patches.Single().Evidence, Has.Some.Contains("acme/demo#9999 (Forwarded) does not exist"));
        });
    }

    [Test]
    public async Task Should_report_the_state_of_an_issue_a_patch_names_in_its_bug_field()
    {
        using var scenario = new UpstreamScenario("Forwarded: no\nBug: https://github.com/acme/demo/issues/12\n");
        scenario.GitHub.Issues[12] = ("closed", "completed");

        var report = await scenario.CheckAsync();

        Assert.That(report.Patches.Single().Evidence, Has.Some.EqualTo("issue acme/demo#12 (Bug) is closed as completed"));
    }

    [Test]
    public async Task Should_call_a_backport_merged_once_the_newest_tag_has_its_commit_even_when_the_code_differs()
    {
        using var scenario = new UpstreamScenario(
            $"Origin: upstream, https://github.com/acme/demo/commit/{UpstreamScenario.MergeCommit}\n"
            + "Applied-Upstream: 1.10.0\nForwarded: not-needed\n");
        scenario.GitHub.Files[(UpstreamScenario.Newest, "src/main.c")] = UpstreamScenario.Rewritten;
        scenario.GitHub.Comparisons[(UpstreamScenario.MergeCommit, UpstreamScenario.Newest)] = "ahead";

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.MergedUpstream));
            Assert.That(report.Patches.Single().Evidence, Has.Some.EqualTo("Origin commit 4a7e5b1c9d3f is in demo-1.10.0"));
            Assert.That(report.Patches.Single().Evidence, Has.Some.StartsWith("at demo-1.10.0: error:"), "the patch itself no longer applies");
        });
    }

    [Test]
    public async Task Should_call_a_patch_merged_when_the_newest_tag_already_has_its_change()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.Files[(UpstreamScenario.Newest, "src/main.c")] = UpstreamScenario.Patched;

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.MergedUpstream));
            Assert.That(report.Patches.Single().Evidence, Has.Some.Contains("applies in reverse"));
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.Unnecessary));
        });
    }

    [Test]
    public async Task Should_call_a_patch_obsolete_when_the_code_it_changes_is_gone()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.Files.Remove((UpstreamScenario.Newest, "src/main.c"));

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.Obsolete));
            Assert.That(report.Patches.Single().Evidence, Has.Some.Contains("no longer upstream: src/main.c"));
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.Unnecessary));
        });
    }

    [Test]
    public async Task Should_need_attention_when_a_patch_conflicts_at_the_newest_tag()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.Files[(UpstreamScenario.Newest, "src/main.c")] = UpstreamScenario.Rewritten;

        var report = await scenario.CheckAsync();

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.Conflicts));
            Assert.That(report.Patches.Single().Evidence[^1], Does.Contain("patch failed: src/main.c:3"));
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.NeedsAttention));
            Assert.That((int)report.Answer, Is.EqualTo(4));
            Assert.That(report.AnswerText, Is.EqualTo("needs attention: 0001-priority-optional.patch conflicts"));
        });
    }

    [Test]
    public async Task Should_send_only_conditional_requests_on_a_rerun_and_count_the_304s()
    {
        using var scenario = new UpstreamScenario("Forwarded: https://github.com/acme/demo/pull/42\n");
        scenario.GitHub.Pulls[42] = ("open", null);
        var first = await scenario.CheckAsync();
        scenario.GitHub.ClearSeen();

        var second = await scenario.CheckAsync();

        var seen = scenario.GitHub.Seen;
        Assert.Multiple(() =>
        {
            Assert.That(seen, Has.Count.EqualTo(first.Requests));
            Assert.That(seen, Has.All.Matches<SeenRequest>(r => r!.IfNoneMatch is not null && r.Status == 304));
            Assert.That(second.NotModified, Is.EqualTo(second.Requests));
            Assert.That(second.Patches.Single().Verdict, Is.EqualTo(first.Patches.Single().Verdict));
            Assert.That(second.NewestTracked, Is.EqualTo(first.NewestTracked));
        });
    }

    [Test]
    public async Task Should_stop_with_the_reset_time_when_the_rate_limit_is_used_up()
    {
        using var scenario = new UpstreamScenario();
        var reset = DateTimeOffset.UtcNow.AddMinutes(17);
        scenario.GitHub.Fail("/tags", () => FakeGitHub.RateLimited(reset));

        var error = await Assert.ThrowsAsync<BuildException>(() => scenario.CheckAsync());

        Assert.That(error!.Message, Is.EqualTo(
            $"GitHub's rate limit (60 requests an hour) is used up at GET /repos/acme/demo/tags; it resets at {reset.UtcDateTime:yyyy-MM-dd HH:mm} UTC "
            + "(in 17 min); set GITHUB_TOKEN for a higher limit."));
    }

    [Test]
    public async Task Should_stop_with_the_wait_when_the_secondary_rate_limit_answers()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.Fail("/contents/", FakeGitHub.SecondaryRateLimited);

        var error = await Assert.ThrowsAsync<BuildException>(() => scenario.CheckAsync());

        Assert.That(error!.Message, Is.EqualTo(
            "GitHub's secondary rate limit stopped GET /repos/acme/demo/contents/src/main.c?ref=demo-1.10.0; "
            + "wait 60 s and run UpstreamCheck again."));
    }

    [Test]
    public async Task Should_retry_a_server_error_and_then_succeed()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.Fail("/tags", FakeGitHub.ServerError, times: 2);
        var checker = new UpstreamChecker(scenario.Options(), scenario.Log, CancellationToken.None);
        scenario.WriteSeries("0001-priority-optional.patch\n");

        var report = await checker.CheckAsync(SnapBuild.Recipes.RecipeLoader.Load(scenario.RecipePath));

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Single().Verdict, Is.EqualTo(PatchVerdict.Needed));
            Assert.That(checker.Counts.Retried, Is.EqualTo(2));
            Assert.That(scenario.GitHub.Seen.Where(r => r.PathAndQuery.Contains("/tags", StringComparison.Ordinal)).Select(r => r.Status),
                Is.EqualTo(new[] { 500, 500, 200 }));
        });
    }

    [Test]
    public async Task Should_retry_an_attempt_that_times_out()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.Fail("/tags", FakeGitHub.Slow(TimeSpan.FromSeconds(3)));
        var options = scenario.Options() with { AttemptTimeout = TimeSpan.FromMilliseconds(500) };
        var checker = new UpstreamChecker(options, scenario.Log, CancellationToken.None);
        scenario.WriteSeries("0001-priority-optional.patch\n");

        var report = await checker.CheckAsync(SnapBuild.Recipes.RecipeLoader.Load(scenario.RecipePath));

        Assert.Multiple(() =>
        {
            Assert.That(report.NewestTracked, Is.EqualTo(UpstreamScenario.Newest));
            Assert.That(checker.Counts.Retried, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Should_retry_connections_closed_without_an_answer_and_then_name_the_request()
    {
        using var scenario = new UpstreamScenario();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var accepted = 0;
        var closer = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                Interlocked.Increment(ref accepted);
                client.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            }
        });
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
        var options = scenario.Options() with { ApiUrl = new Uri(url) };
        scenario.WriteSeries("0001-priority-optional.patch\n");
        var checker = new UpstreamChecker(options, scenario.Log, CancellationToken.None);

        var error = await Assert.ThrowsAsync<BuildException>(() => checker.CheckAsync(SnapBuild.Recipes.RecipeLoader.Load(scenario.RecipePath)));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith($"Could not reach GitHub at {url}/ for GET /repos/acme/demo/tags after 4 attempts:"));
            Assert.That(checker.Counts.Sent, Is.EqualTo(4));
            Assert.That(Volatile.Read(ref accepted), Is.GreaterThanOrEqualTo(4), "every attempt reached the server and was cut");
        });
    }

    [Test]
    public async Task Should_name_the_request_when_timeouts_outlast_the_retries()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.Fail("/tags", FakeGitHub.Slow(TimeSpan.FromSeconds(1)), times: 4);
        var options = scenario.Options() with { AttemptTimeout = TimeSpan.FromMilliseconds(200) };
        scenario.WriteSeries("0001-priority-optional.patch\n");

        var error = await Assert.ThrowsAsync<BuildException>(() =>
            new UpstreamChecker(options, scenario.Log, CancellationToken.None).CheckAsync(SnapBuild.Recipes.RecipeLoader.Load(scenario.RecipePath)));

        Assert.That(error!.Message, Does.StartWith($"Could not reach GitHub at {scenario.GitHub.Url}/ for GET /repos/acme/demo/tags after 4 attempts:"));
    }

    [Test]
    public async Task Should_name_the_request_when_server_errors_outlast_the_retries()
    {
        using var scenario = new UpstreamScenario();
        scenario.GitHub.Fail("/releases", FakeGitHub.ServerError, times: 4);

        var error = await Assert.ThrowsAsync<BuildException>(() => scenario.CheckAsync());

        Assert.That(error!.Message, Is.EqualTo("GitHub answered 500 to GET /repos/acme/demo/releases 4 times; try again later."));
    }

    [Test]
    public async Task Should_name_the_request_whose_answer_is_not_json()
    {
        using var scenario = new UpstreamScenario("Forwarded: https://github.com/acme/demo/pull/42\n");
        scenario.GitHub.Pulls[42] = ("open", null);
        scenario.GitHub.Fail("/pulls/42", FakeGitHub.NotJson);

        var error = await Assert.ThrowsAsync<BuildException>(() => scenario.CheckAsync());

        Assert.That(error!.Message, Does.StartWith("GitHub's answer to GET /repos/acme/demo/pulls/42 is not the JSON its API documents"));
    }

    [Test]
    public async Task Should_send_the_token_but_keep_it_out_of_the_cache_the_reports_and_the_log()
    {
        const string token = "ghp_0123456789abcdefSECRETSECRETSECRET01";
        using var scenario = new UpstreamScenario();

        var report = await scenario.CheckAsync(token);
        report.Write(scenario.ArtifactsDirectory);

        var written = Directory.EnumerateFiles(scenario.Root, "*", SearchOption.AllDirectories).Select(File.ReadAllText);
        Assert.Multiple(() =>
        {
            Assert.That(scenario.GitHub.Seen.Count(r => r.Authorization == $"Token {token}"), Is.EqualTo(scenario.GitHub.Seen.Count),
                "every request carries the token");
            Assert.That(Directory.EnumerateFiles(scenario.CacheDirectory), Is.Not.Empty, "answers are cached");
            Assert.That(written, Has.None.Contains(token));
            Assert.That(scenario.Log.Lines, Has.None.Contains(token));
        });
    }
}
