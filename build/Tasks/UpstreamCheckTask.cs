using Cake.Frosting;
using SnapBuild.Common;
using SnapBuild.Upstream;

namespace SnapBuild.Tasks;

[TaskName("UpstreamCheck")]
[TaskDescription("Ask GitHub whether upstream has made the patch series unnecessary (exit 0 needed, 3 unnecessary, 4 attention)")]
public sealed class UpstreamCheckTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var settings = context.Settings;
        var options = GitHubOptions.From(settings);
        var checker = new UpstreamChecker(options, context.BuildLog, context.CancellationToken);
        UpstreamReport report;
        try
        {
            report = await checker.CheckAsync(settings.Recipe);
        }
        finally
        {
            var counts = checker.Counts;
            context.BuildLog.Information(
                $"GitHub: {counts.Sent} requests, {counts.NotModified} answered 304 Not Modified, {counts.Retried} retried");
        }

        foreach (var line in report.Table())
        {
            context.BuildLog.Information(line);
        }

        report.Write(settings.ArtifactsDirectory.Value);
        StepSummary.Append(report.ToMarkdown());

        context.BuildLog.Information(
            $"Upstream check: {report.AnswerText} (exit code {(int)report.Answer}); "
            + $"report in {Path.Combine(settings.ArtifactsDirectory.Value, "upstream-check.md")}");
        RunOutcome.ExitCode = (int)report.Answer;
    }
}
