using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Build")]
[TaskDescription("Configure, build and stage the recipe's targets for each architecture")]
[IsDependentOn(typeof(PatchTask))]
public sealed class BuildTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => context.Pipeline.Build();
}
