using SnapBuild.Common;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Sources;

public class ReleaseResolverTests
{
    [Test]
    public void Should_write_the_lock_on_first_resolution_and_reuse_the_cache_afterwards()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);

        var first = project.Pipeline().Clone();
        Directory.Move(upstream.Repository, upstream.Repository + ".gone");
        var second = project.Pipeline().Clone();

        Assert.Multiple(() =>
        {
            Assert.That(
                File.ReadAllText(project.LockPath),
                Does.Contain($"commit: {first.Commit}").And.Contain("tag: 'v1.0.0'"));
            Assert.That(first.FromCache, Is.False);
            Assert.That(second.FromCache, Is.True, "the pinned commit is in the cache, so the remote is not asked");
            Assert.That(second.Commit, Is.EqualTo(first.Commit));
        });
    }

    [Test]
    public void Should_stop_when_the_tag_moved_upstream_naming_both_commits()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pinned = project.Pipeline().Clone().Commit;

        var moved = upstream.MoveTag(TestUpstream.FirstTag);
        var error = Assert.Throws<BuildException>(() => project.Pipeline().Lock());

        Assert.That(error!.Message, Does.Contain(moved).And.Contain(pinned).And.Contain("the tag moved upstream"));
    }

    [Test]
    public void Should_refuse_to_run_locked_without_a_lock()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);

        var error = Assert.Throws<UsageException>(() => project.Pipeline("--locked").Clone());

        Assert.That(error!.Message, Does.Contain("--locked needs").And.Contain("--target=Lock"));
    }

    [Test]
    public void Should_try_the_next_source_when_the_first_cannot_be_reached()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(
            upstream, $"    - git: http://127.0.0.1:9/dead.git\n    - git: {upstream.Url}\n");

        var release = project.Pipeline().Clone();

        Assert.Multiple(() =>
        {
            Assert.That(release.Source, Is.EqualTo($"git {upstream.Url}"));
            Assert.That(
                project.Log.Lines.Count(l => l.StartsWith("warning:", StringComparison.Ordinal)), Is.EqualTo(3));
            Assert.That(
                project.Log.Lines.Count(l => l.Contains("trying again", StringComparison.Ordinal)),
                Is.EqualTo(2),
                "a source that does not answer is asked three times");
            Assert.That(
                project.Log.Lines, Has.Some.Contains("warning: git http://127.0.0.1:9/dead.git cannot serve v1.0.0"));
            Assert.That(project.Log.Lines, Has.Some.Contains($"served by git {upstream.Url}"));
        });
    }

    [Test]
    public void Should_not_ask_an_unreachable_source_again_once_the_cache_holds_the_pinned_release()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(
            upstream, $"    - git: http://127.0.0.1:9/dead.git\n    - git: {upstream.Url}\n");
        project.Pipeline().Clone();

        var again = project.Pipeline().Clone();

        Assert.Multiple(() =>
        {
            Assert.That(again.FromCache, Is.True);
            Assert.That(project.Log.Lines, Has.None.Contains("warning:"));
            Assert.That(project.Log.Lines, Has.Some.Contains("from the cache, as demo.lock pins it"));
        });
    }

    [Test]
    public void Should_fetch_only_the_tagged_commit_over_smart_http_and_from_a_path()
    {
        using var upstream = new TestUpstream();
        using var server = new GitHttpServer(Path.GetDirectoryName(upstream.Repository)!);
        using var overHttp = new DemoProject(
            upstream, $"    - git: {server.UrlOf("upstream.git")}\n", TestUpstream.SecondTag);
        using var overFile = new DemoProject(upstream, tag: TestUpstream.SecondTag);

        var http = overHttp.Pipeline().Clone();
        var file = overFile.Pipeline().Clone();

        Assert.Multiple(() =>
        {
            Assert.That(http.Commit, Is.EqualTo(file.Commit));
            Assert.That(server.Requests, Is.GreaterThan(0));
            Assert.That(File.Exists(Path.Combine(http.MirrorPath, "shallow")), Is.True, "depth 1 over smart HTTP");
            Assert.That(Shell.Git(overHttp.Source, "rev-list", "--count", "HEAD").Trim(), Is.EqualTo("1"));
            Assert.That(overHttp.Log.Lines, Has.Some.Contains("shallow (depth 1)"));
            Assert.That(overFile.Log.Lines, Has.Some.Contains("shallow (depth 1)"), "a local path serves depth 1 too");
        });
    }

    [Test]
    public void Should_work_offline_from_the_cache_and_say_when_the_cache_lacks_the_release()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);

        var error = Assert.Throws<BuildException>(() => project.Pipeline("--offline").Clone());
        project.Pipeline().Clone();
        var offline = project.Pipeline("--offline").Clone();

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("--offline is set").And.Contain("run once without --offline"));
            Assert.That(offline.FromCache, Is.True);
        });
    }

    [Test]
    public void Should_import_a_cached_tarball_again_offline_and_say_when_the_cache_lacks_it()
    {
        using var upstream = new TestUpstream();
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("demo-1.0.0.tar.gz");
        upstream.ArchiveFirstTag(tarball);
        var sha = Hashing.Sha256OfFile(tarball);
        using var project = new DemoProject(upstream, $"    - tarball: {tarball}\n      sha256: {sha}\n");

        var neverFetched = Assert.Throws<BuildException>(() => project.Pipeline("--offline").Clone());
        var why = project.Log.Lines.ToList();
        var online = project.Pipeline().Clone();
        Directory.Delete(Path.Combine(project.CacheDirectory, "mirrors"), recursive: true);
        Directory.Delete(project.WorkDirectory, recursive: true);
        File.Delete(tarball);
        var offline = project.Pipeline("--offline").Clone();

        Assert.Multiple(() =>
        {
            Assert.That(
                neverFetched!.Message, Does.Contain("--offline is set").And.Contain("run once without --offline"));
            Assert.That(why, Has.Some.Contains("the cache holds neither the import of v1.0.0 nor the tarball"));
            Assert.That(offline.Commit, Is.EqualTo(online.Commit), "the same commit, from the tarball in the cache");
            Assert.That(offline.FromCache, Is.False, "imported again, not found in the mirror");
            Assert.That(Directory.Exists(Path.Combine(project.Source, ".git")), Is.True);
        });
    }

    [Test]
    public void Should_serve_a_release_from_a_tarball_when_git_is_unreachable()
    {
        using var upstream = new TestUpstream();
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("demo-1.0.0.tar.gz");
        upstream.ArchiveFirstTag(tarball);
        var sha = Hashing.Sha256OfFile(tarball);
        using var project = new DemoProject(
            upstream, $"    - git: http://127.0.0.1:9/dead.git\n    - tarball: {tarball}\n      sha256: {sha}\n");

        var first = project.Pipeline().Clone();
        var patched = project.Pipeline().Patch();

        Assert.Multiple(() =>
        {
            Assert.That(first.Source, Is.EqualTo($"tarball {tarball}"));
            Assert.That(patched.Applied, Is.EqualTo(2));
            Assert.That(File.ReadAllText(project.LockPath), Does.Contain($"sha256: {sha}"));
        });
    }

    [Test]
    public void Should_refuse_a_tarball_whose_sha256_differs_from_the_pin()
    {
        using var upstream = new TestUpstream();
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("demo-1.0.0.tar.gz");
        upstream.ArchiveFirstTag(tarball);
        var wrong = new string('0', 64);
        using var project = new DemoProject(upstream, $"    - tarball: {tarball}\n      sha256: {wrong}\n");

        var error = Assert.Throws<BuildException>(() => project.Pipeline().Clone());

        Assert.That(error!.Message, Does.Contain($"but the recipe pins {wrong}"));
    }
}
