using SnapBuild.Common;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Sources;

/// <summary>A worktree made from a mirror: what it says when the mirror or the worktree is wrong.</summary>
public class WorktreeTests
{
    private TempDirectory directory = null!;
    private string mirror = null!;
    private string commit = null!;

    [SetUp]
    public void SetUp()
    {
        directory = new TempDirectory();
        mirror = directory.Combine("mirror.git");
        var source = directory.Combine("source");
        directory.Write("source/file.txt", "content\n");
        Shell.Git(source, "init", "-q");
        Shell.Git(source, "add", "-A");
        Shell.Git(source, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "one");
        commit = Shell.Git(source, "rev-parse", "HEAD").Trim();
        Shell.Git(directory.Path, "clone", "-q", "--bare", source, mirror);
    }

    [TearDown]
    public void TearDown() => directory.Dispose();

    [Test]
    public void Should_check_out_the_commit_in_a_new_worktree()
    {
        var worktree = directory.Combine("work");

        var changed = Worktree.Prepare(mirror, commit, worktree, new CollectingLog());

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.True);
            Assert.That(File.ReadAllText(Path.Combine(worktree, "file.txt")), Is.EqualTo("content\n"));
            Assert.That(Shell.Git(worktree, "rev-parse", Worktree.UpstreamRef).Trim(), Is.EqualTo(commit));
            Assert.That(Worktree.Prepare(mirror, commit, worktree, new CollectingLog()), Is.False, "a second time");
        });
    }

    [Test]
    public void Should_say_the_mirror_lacks_a_commit_it_does_not_have()
    {
        var missing = new string('1', 40);

        var error = Assert.Throws<BuildException>(
            () => Worktree.Prepare(mirror, missing, directory.Combine("work"), new CollectingLog()));

        Assert.That(error!.Message, Does.Contain($"lacks commit {missing}").And.Contain("--target=Clean"));
    }

    [Test]
    public void Should_give_gits_words_when_the_ref_cannot_be_written()
    {
        var worktree = directory.Combine("work");
        Worktree.Prepare(mirror, commit, worktree, new CollectingLog());
        // What a run killed in the middle of update-ref leaves behind.
        File.WriteAllText(Path.Combine(worktree, ".git", "refs", "snap-build", "upstream.lock"), string.Empty);

        var error = Assert.Throws<BuildException>(() => Worktree.Prepare(mirror, commit, worktree, new CollectingLog()));

        Assert.That(error!.Message, Does.Contain("cannot lock ref").And.Not.Contain("lacks commit"));
    }
}
