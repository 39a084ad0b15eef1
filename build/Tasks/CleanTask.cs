using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Clean")]
[TaskDescription("Delete the recipe's work directory (sources, builds, stage records); keep the cache")]
public sealed class CleanTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => context.Pipeline.Clean();
}
