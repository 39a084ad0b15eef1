using Cake.Frosting;
using SnapBuild.Release;

namespace SnapBuild.Tasks;

[TaskName("Release")]
[TaskDescription("From a clean checkout with a matching lock: SHA256SUMS and a provenance manifest over the packed architectures")]
[IsDependentOn(typeof(ReleaseCheckTask))]
[IsDependentOn(typeof(PackageTask))]
public sealed class ReleaseTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        new ReleaseBuilder(context.Settings, context.BuildLog, context.CancellationToken).Assemble(context.Settings.SnapRevision.Value);
}
