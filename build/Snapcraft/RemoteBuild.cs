using SnapBuild.Common;
using SnapBuild.Toolchains;

namespace SnapBuild.Snapcraft;

/// <summary>
/// Hands the application snap whose <c>snapcraft.yaml</c> carries the part to
/// <c>snapcraft remote-build</c> (Launchpad builds it for each architecture on native hardware).
/// </summary>
public static class RemoteBuild
{
    public const string InstallHint = "install it with `sudo snap install snapcraft --classic`";

    public static void Run(string? snapcraftYaml, IReadOnlyList<string> architectures, IBuildLog log, CancellationToken cancellationToken)
    {
        if (snapcraftYaml is null)
        {
            throw new UsageException(
                "RemoteBuild builds the snap whose snapcraft.yaml uses the part; name it with --snapcraft-yaml=PATH.");
        }

        var snapcraft = Toolchain.Which("snapcraft") ?? throw new BuildException(
            $"RemoteBuild runs `snapcraft remote-build`, and snapcraft is not installed; {InstallHint}.");
        var full = Path.GetFullPath(snapcraftYaml);
        var directory = Path.GetDirectoryName(full)!;

        // snapcraft looks for snap/snapcraft.yaml or snapcraft.yaml in the project directory.
        var project = Path.GetFileName(directory) == "snap" ? Path.GetDirectoryName(directory)! : directory;
        var spec = new ProcessSpec(snapcraft, ["remote-build", "--launchpad-accept-public-upload", "--build-for", string.Join(',', architectures)])
        {
            WorkingDirectory = project,
            OnLine = log.Information,
        };
        log.Information($"RemoteBuild: {spec.CommandLine} in {project}");
        var result = ProcessRunner.Run(spec, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new BuildException($"`{spec.CommandLine}` failed with exit code {result.ExitCode} in {project}; see its output above.");
        }
    }
}
