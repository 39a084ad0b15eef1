using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Patch")]
[TaskDescription("Apply the patch series on the release, one commit per patch")]
[IsDependentOn(typeof(CloneTask))]
public sealed class PatchTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => context.Pipeline.Patch();
}
