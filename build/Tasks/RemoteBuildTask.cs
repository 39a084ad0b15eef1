using Cake.Frosting;
using SnapBuild.Snapcraft;

namespace SnapBuild.Tasks;

[TaskName("RemoteBuild")]
[TaskDescription("Hand the snap of --snapcraft-yaml (its part written by Snap) to `snapcraft remote-build`")]
public sealed class RemoteBuildTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) =>
        RemoteBuild.Run(context.Settings.SnapcraftYaml.Value, context.Settings.Architectures.Value, context.BuildLog, context.CancellationToken);
}
