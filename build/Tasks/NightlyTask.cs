using Cake.Frosting;
using SnapBuild.Common;
using SnapBuild.Nightly;
using SnapBuild.Toolchains;

namespace SnapBuild.Tasks;

[TaskName("Nightly")]
[TaskDescription("UpstreamCheck, then the series tried and built on the newest tag (exit 0 applies, 3 unnecessary, 4 attention)")]
public sealed class NightlyTask : AsyncFrostingTask<BuildContext>
{
    public override async Task RunAsync(BuildContext context)
    {
        var runner = new NightlyRunner(context.Settings, context.BuildLog, new ConsoleProgressDisplay(context.BuildLog), context.CancellationToken);
        var report = await runner.RunAsync();
        foreach (var line in report.Table())
        {
            context.BuildLog.Information(line);
        }

        StepSummary.Append(report.ToMarkdown());

        context.BuildLog.Information(
            $"Nightly: exit code {(int)report.Answer} ({report.Answer}); report in {Path.Combine(context.Settings.ArtifactsDirectory.Value, "nightly.md")}");
        RunOutcome.ExitCode = (int)report.Answer;
    }
}
