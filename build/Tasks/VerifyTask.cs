using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Verify")]
[TaskDescription("Run the patched and an unpatched build under seccomp filters that kill on or refuse setpriority")]
[IsDependentOn(typeof(BuildTask))]
public sealed class VerifyTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context) => context.Pipeline.Verify();
}
