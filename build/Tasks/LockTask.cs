using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Lock")]
[TaskDescription("Resolve the release from its sources and write recipes/<name>.lock")]
public sealed class LockTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => context.Pipeline.Lock();
}
