using SnapBuild.Common;
using SnapBuild.Recipes;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.RealSource;

/// <summary>The in-process import on Oracle's real tarball: the same commit git made of it before.</summary>
[Category("RealSource")]
public class MySqlImportTests
{
    [Test]
    public void Should_import_the_mysql_tarball_as_the_commit_the_lock_pins()
    {
        _ = MySqlSource.Repository; // fetches and verifies the tarball into the tests' cache once
        var debian = MySqlSource.Recipe.Upstream.Sources.OfType<DebianSourceSpec>().Single();
        var tarball = new TarballImporter(new CacheLayout(MySqlSource.CacheRoot), new CollectingLog())
            .Cached(debian.Describe(), debian.Sha256)!;
        var lockPath = Path.Combine(Fixtures.RepositoryRoot, "recipes", "mysql.lock");
        var pinned = LockFile.Read(lockPath, MySqlSource.Recipe.Upstream.Tag)!.Find(debian.Describe())!.Commit;
        using var scratch = new TempDirectory();
        var mirror = scratch.Combine("mirror.git");
        Shell.Git(scratch.Path, "init", "-q", "--bare", mirror);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var import = TarballTree.Import(
            tarball,
            Path.Combine(mirror, "objects"),
            "snap-build tarball import <import@snap-build.invalid>",
            $"Import {MySqlSource.Recipe.Upstream.Tag} from {Path.GetFileName(tarball)}\n\nsha256: {debian.Sha256}",
            default);

        TestContext.Out.WriteLine(
            $"imported {import.Files} files ({import.Bytes / 1048576.0:F0} MiB) in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Multiple(() =>
        {
            Assert.That(import.Commit, Is.EqualTo(pinned), "the same commit as tar, git add and git commit-tree made");
            Assert.That(Shell.Git(mirror, "fsck", "--no-progress", "--no-dangling"), Is.Empty, "every object is whole");
        });
    }
}
