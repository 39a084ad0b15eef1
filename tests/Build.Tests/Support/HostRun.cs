using SnapBuild.Common;

namespace SnapBuild.Tests.Support;

/// <summary>Runs the built host program as a user would, in its own process.</summary>
public static class HostRun
{
    public static string Program => Path.Combine(TestContext.CurrentContext.TestDirectory, "Build");

    public static ProcessResult Run(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string?>
        {
            ["NO_COLOR"] = "1",
            ["CI"] = "true",
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        return ProcessRunner.Run(new ProcessSpec(Program, arguments)
        {
            WorkingDirectory = workingDirectory,
            Environment = variables,
        });
    }

    public static ProcessResult Run(string workingDirectory, params string[] arguments) =>
        Run(workingDirectory, null, arguments);
}
