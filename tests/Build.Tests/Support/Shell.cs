using SnapBuild.Common;

namespace SnapBuild.Tests.Support;

/// <summary>Runs commands for fixtures, failing the test with the command's output when one fails.</summary>
public static class Shell
{
    public static string Git(string directory, params string[] arguments) =>
        Run(directory, "git", arguments);

    public static string Run(string directory, string program, params string[] arguments)
    {
        var result = ProcessRunner.Run(new ProcessSpec(program, arguments)
        {
            WorkingDirectory = directory,
            Environment = new Dictionary<string, string?>
            {
                ["GIT_AUTHOR_NAME"] = "Upstream Dev",
                ["GIT_AUTHOR_EMAIL"] = "dev@upstream.invalid",
                ["GIT_COMMITTER_NAME"] = "Upstream Dev",
                ["GIT_COMMITTER_EMAIL"] = "dev@upstream.invalid",
                ["GIT_CONFIG_NOSYSTEM"] = "1",
            },
        });
        if (result.ExitCode != 0)
        {
            Assert.Fail($"{program} {string.Join(' ', arguments)} failed ({result.ExitCode}) in {directory}:\n"
                + result.CombinedTail(30));
        }

        return result.StandardOutput;
    }
}
