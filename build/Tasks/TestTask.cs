using Cake.Frosting;
using SnapBuild.Common;

namespace SnapBuild.Tasks;

[TaskName("Test")]
[TaskDescription("Run the project's own test suite (dotnet test)")]
public sealed class TestTask : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        var root = ProjectRoot.Find();
        var spec = new ProcessSpec("dotnet", ["test", Path.Combine(root, "tests", "Build.Tests")])
        {
            WorkingDirectory = root,
            OnLine = line => context.BuildLog.Information(line),
        };
        var result = ProcessRunner.Run(spec, context.CancellationToken);
        if (result.ExitCode != 0)
        {
            throw new BuildException($"`{spec.CommandLine}` failed with exit code {result.ExitCode}; see the test output above.");
        }
    }
}
