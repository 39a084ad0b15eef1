using SnapBuild.Common;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Faults;

/// <summary>The git server dropping connections in the middle of a fetch.</summary>
[NonParallelizable]
public class NetworkFaultTests
{
    [Test]
    public void Should_retry_a_fetch_whose_connection_was_cut_and_then_succeed()
    {
        using var upstream = new TestUpstream();
        using var server = new GitHttpServer(Path.GetDirectoryName(upstream.Repository)!);
        using var proxy = new FlakyProxy(server.Port, cutFirst: 1);
        using var project = new DemoProject(upstream, $"    - git: {proxy.UrlOf("upstream.git")}\n");

        var release = project.Pipeline().Clone();

        Assert.Multiple(() =>
        {
            Assert.That(release.Commit, Is.EqualTo(upstream.CommitOf(TestUpstream.FirstTag)));
            Assert.That(proxy.Cut, Is.EqualTo(1));
            Assert.That(project.Log.Lines, Has.Some.Contains("trying again in 1 s"));
        });
    }

    [Test]
    public void Should_go_on_to_the_next_source_when_the_server_keeps_dropping()
    {
        using var upstream = new TestUpstream();
        using var server = new GitHttpServer(Path.GetDirectoryName(upstream.Repository)!);
        using var proxy = new FlakyProxy(server.Port, cutFirst: int.MaxValue);
        using var project = new DemoProject(
            upstream, $"    - git: {proxy.UrlOf("upstream.git")}\n    - git: {upstream.Url}\n");

        var release = project.Pipeline().Clone();

        Assert.Multiple(() =>
        {
            Assert.That(release.Source, Is.EqualTo($"git {upstream.Url}"));
            Assert.That(proxy.Cut, Is.GreaterThanOrEqualTo(GitMirror.FetchAttempts));
        });
    }

    [Test]
    public void Should_stop_with_a_clear_error_and_keep_the_mirror_when_no_source_answers()
    {
        using var upstream = new TestUpstream();
        using var server = new GitHttpServer(Path.GetDirectoryName(upstream.Repository)!);
        using var proxy = new FlakyProxy(server.Port, cutFirst: 0);
        using var project = new DemoProject(upstream, $"    - git: {proxy.UrlOf("upstream.git")}\n");
        project.Pipeline().Clone();
        var mirror = project.Pipeline().Cache.MirrorFor("demo");
        var refsBefore = Shell.Git(mirror, "for-each-ref");
        project.WriteRecipe($"    - git: {proxy.UrlOf("upstream.git")}\n", tag: TestUpstream.SecondTag);
        proxy.CutNext(int.MaxValue);

        var error = Assert.Throws<BuildException>(() => project.Pipeline().Clone());

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain(TestUpstream.SecondTag).And.Contain(proxy.UrlOf("upstream.git")));
            Assert.That(Shell.Git(mirror, "for-each-ref"), Is.EqualTo(refsBefore), "the mirror keeps what it had");
            Assert.That(Shell.Git(mirror, "fsck", "--no-progress"), Is.Empty.Or.Not.Contain("error"));
        });
    }
}

/// <summary>A tarball download that breaks off in the middle.</summary>
[NonParallelizable]
public class DownloadFaultTests
{
    [Test]
    public void Should_download_again_when_the_tarball_arrives_cut_short()
    {
        using var upstream = new TestUpstream();
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("demo-1.0.0.tar.gz");
        upstream.ArchiveFirstTag(tarball);
        using var server = new CuttingFileServer(tarball, cutFirst: 1);
        var sha = SnapBuild.Common.Hashing.Sha256OfFile(tarball);
        using var project = new DemoProject(upstream, $"    - tarball: {server.Url}\n      sha256: {sha}\n");

        var release = project.Pipeline().Clone();

        Assert.Multiple(() =>
        {
            Assert.That(release.Source, Is.EqualTo($"tarball {server.Url}"));
            Assert.That(server.Requests, Is.EqualTo(2), "cut short once, then whole");
            Assert.That(PartialDownloads(project), Is.Empty);
        });
    }

    [Test]
    public void Should_go_on_to_the_next_source_when_every_download_is_cut_short()
    {
        using var upstream = new TestUpstream();
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("demo-1.0.0.tar.gz");
        upstream.ArchiveFirstTag(tarball);
        using var server = new CuttingFileServer(tarball, cutFirst: int.MaxValue);
        var sha = SnapBuild.Common.Hashing.Sha256OfFile(tarball);
        using var project = new DemoProject(
            upstream, $"    - tarball: {server.Url}\n      sha256: {sha}\n    - git: {upstream.Url}\n");

        var release = project.Pipeline().Clone();

        Assert.Multiple(() =>
        {
            Assert.That(release.Source, Is.EqualTo($"git {upstream.Url}"));
            Assert.That(server.Requests, Is.EqualTo(TarballImporter.DownloadAttempts));
            Assert.That(project.Log.Lines, Has.Some.Contains($"downloading {server.Url} failed after 3 attempts"));
            Assert.That(PartialDownloads(project), Is.Empty, "no partial download is kept");
        });
    }

    private static IEnumerable<string> PartialDownloads(DemoProject project) =>
        Directory.EnumerateFiles(project.CacheDirectory, "*.part", SearchOption.AllDirectories);
}
