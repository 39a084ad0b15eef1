using Cake.Frosting;

namespace SnapBuild.Tasks;

[TaskName("Default")]
[TaskDescription("The whole job: the same as Snap")]
[IsDependentOn(typeof(SnapTask))]
public sealed class DefaultTask : FrostingTask<BuildContext>
{
}
