using Cake.Frosting;
using SnapBuild.Release;

namespace SnapBuild.Tasks;

[TaskName("Package")]
[TaskDescription("Pack each architecture's staged tree as a reproducible tarball under artifacts/release/")]
[IsDependentOn(typeof(BuildTask))]
public sealed class PackageTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        var builder = new ReleaseBuilder(context.Settings, context.BuildLog, context.CancellationToken);
        foreach (var architecture in context.Settings.Architectures.Value)
        {
            builder.Package(architecture, context.Settings.SnapRevision.Value);
        }
    }
}
