using Cake.Frosting;
using SnapBuild.Release;

namespace SnapBuild.Tasks;

[TaskName("ReleaseCheck")]
[TaskDescription("Check a release can be cut (version, clean checkout, lock) before anything is built")]
public sealed class ReleaseCheckTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        new ReleaseBuilder(context.Settings, context.BuildLog, context.CancellationToken).Preflight(context.Settings.SnapRevision.Value);
}
