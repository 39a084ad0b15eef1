using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Snap")]
[TaskDescription("Write the snapcraft part definition under artifacts/snapcraft/")]
[IsDependentOn(typeof(BuildTask))]
public sealed class SnapTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => context.Pipeline.Snap();
}
