using SnapBuild.Common;
using SnapBuild.Snapcraft;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Snapcraft;

[NonParallelizable]
public class RemoteBuildTests
{
    [Test]
    public void Should_say_what_to_install_when_snapcraft_is_missing()
    {
        using var directory = new TempDirectory("remote");
        var yaml = directory.Write("snap/snapcraft.yaml", "name: demo\n");

        var error = WithPath(directory.Combine("empty-bin"), () => Assert.Throws<BuildException>(
            () => RemoteBuild.Run(yaml, ["amd64"], new CollectingLog(), default)));

        Assert.That(error!.Message, Is.EqualTo(
            "RemoteBuild runs `snapcraft remote-build`, and snapcraft is not installed; install it with `sudo snap install snapcraft --classic`."));
    }

    [Test]
    public void Should_run_remote_build_in_the_snaps_project_directory_for_the_architectures()
    {
        using var directory = new TempDirectory("remote");
        var yaml = directory.Write("app/snap/snapcraft.yaml", "name: demo\n");
        var record = directory.Combine("called");
        var bin = directory.Combine("bin");
        directory.Write("bin/snapcraft", $"#!/bin/sh\necho \"$PWD $*\" > '{record}'\necho building remotely\n");
        Shell.Run(bin, "chmod", "+x", "snapcraft");
        var log = new CollectingLog();

        WithPath(bin + ":/usr/bin:/bin", () =>
        {
            RemoteBuild.Run(yaml, ["amd64", "arm64", "armhf"], log, default);
            return 0;
        });

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(record).Trim(), Is.EqualTo(
                $"{directory.Combine("app")} remote-build --launchpad-accept-public-upload --build-for amd64,arm64,armhf"));
            Assert.That(log.Lines, Has.Some.EqualTo("info: building remotely"));
        });
    }

    [Test]
    public void Should_ask_for_the_snapcraft_yaml()
    {
        var error = Assert.Throws<UsageException>(() => RemoteBuild.Run(null, ["amd64"], new CollectingLog(), default));

        Assert.That(error!.Message, Does.Contain("--snapcraft-yaml=PATH"));
    }

    private static T WithPath<T>(string path, Func<T> action)
    {
        var saved = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", path);
        try
        {
            return action();
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", saved);
        }
    }
}
