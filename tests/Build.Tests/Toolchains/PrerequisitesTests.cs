using SnapBuild.Common;
using SnapBuild.Toolchains;

namespace SnapBuild.Tests.Toolchains;

public class PrerequisitesTests
{
    [Test]
    public void Should_find_only_the_packages_dpkg_does_not_list_as_installed()
    {
        var missing = Prerequisites.Missing(["git", "cmake", "snap-build-no-such-package"], default);

        Assert.That(missing, Is.EqualTo(new[] { "snap-build-no-such-package" }));
    }

    [Test]
    public void Should_do_nothing_when_everything_is_installed()
    {
        var log = new CollectingLog();

        new Prerequisites(log).Ensure("the amd64 build", ["git", "g++"], default);

        Assert.That(log.Lines, Has.None.Contains("installing"));
    }

    [Test]
    public void Should_stop_with_the_install_command_when_a_package_cannot_be_had()
    {
        var error = Assert.Throws<BuildException>(() =>
            new Prerequisites(new CollectingLog()).Ensure("the amd64 build", ["git", "snap-build-no-such-package"], default));

        Assert.That(error!.Message, Does.Contain("snap-build-no-such-package")
            .And.Contain("`sudo apt-get install --no-install-recommends snap-build-no-such-package`"));
    }
}
