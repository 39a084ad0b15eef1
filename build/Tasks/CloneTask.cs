using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Clone")]
[TaskDescription("Fetch the pinned upstream release into the cache's mirror and check it out in the work directory")]
public sealed class CloneTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => context.Pipeline.Clone();
}
