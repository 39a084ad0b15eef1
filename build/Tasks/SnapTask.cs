using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Snap")]
[TaskDescription("Write the snapcraft part under artifacts/snapcraft/, and into --snapcraft-yaml when given")]
[IsDependentOn(typeof(BuildTask))]
public sealed class SnapTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => context.Pipeline.Snap();
}
