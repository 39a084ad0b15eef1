using SnapBuild.Patches;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Patches;

/// <summary>What the in-memory tree reads through git's object reader, against git's own answers.</summary>
public class SeriesTreeTests
{
    private TempDirectory directory = null!;
    private string worktree = null!;

    [SetUp]
    public void SetUp()
    {
        directory = new TempDirectory();
        worktree = directory.Path;
        Shell.Git(worktree, "init", "-q");
        Write("same/deep/a.txt", "a\n");
        Write("changed/deep/b.txt", "b\n");
        Write("changed/deep/kept.txt", "kept\n");
        Write("becomes-folder", "a file\n");
        Write("folder-goes/x.txt", "x\n");
        Write("folder-goes/y/z.txt", "z\n");
        Write("mode.sh", "#!/bin/sh\n");
        Write("deleted.txt", "gone\n");
        Commit("before");
    }

    [TearDown]
    public void TearDown() => directory.Dispose();

    [Test]
    public void Should_start_at_the_tree_git_names_for_the_commit()
    {
        using var tree = new SeriesTree(worktree, new Dictionary<string, string?>());

        var id = tree.StartAt("HEAD");

        Assert.Multiple(() =>
        {
            Assert.That(id, Is.EqualTo(Shell.Git(worktree, "rev-parse", "HEAD^{tree}").Trim()));
            Assert.That(tree.ReadFile("same/deep/a.txt")?.Content, Is.EqualTo("a\n"u8.ToArray()));
            Assert.That(tree.WriteTree(), Is.EqualTo(id), "an unchanged tree is its own id");
        });
    }

    [Test]
    public void Should_count_changed_files_as_git_diff_name_only_does()
    {
        var before = Shell.Git(worktree, "rev-parse", "HEAD").Trim();
        Write("changed/deep/b.txt", "b, changed\n");
        Write("added/new/file.txt", "new\n");
        File.Delete(Path.Combine(worktree, "becomes-folder"));
        Write("becomes-folder/one.txt", "1\n");
        Write("becomes-folder/two/three.txt", "3\n");
        Directory.Delete(Path.Combine(worktree, "folder-goes"), recursive: true);
        Write("folder-goes", "now a file\n");
        Shell.Run(worktree, "chmod", "755", "mode.sh");
        File.Delete(Path.Combine(worktree, "deleted.txt"));
        var after = Commit("after");
        var git = Shell.Git(worktree, "diff", "--name-only", "--no-renames", before, after)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var tree = new SeriesTree(worktree, new Dictionary<string, string?>());

        Assert.Multiple(() =>
        {
            Assert.That(tree.ChangedFiles(before, after), Is.EqualTo(git.Length), string.Join(", ", git));
            Assert.That(tree.ChangedFiles(after, before), Is.EqualTo(git.Length), "the other way round");
            Assert.That(tree.ChangedFiles(after, after), Is.Zero);
        });
    }

    [Test]
    public void Should_say_when_the_reader_cannot_find_a_commit()
    {
        using var tree = new SeriesTree(worktree, new Dictionary<string, string?>());

        Assert.That(() => tree.StartAt(new string('0', 40)),
            Throws.TypeOf<ObjectReadException>().With.Message.Contains("missing"));
    }

    private void Write(string path, string content) => directory.Write(path, content);

    private string Commit(string message)
    {
        Shell.Git(worktree, "add", "-A");
        Shell.Git(worktree, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", message);

        return Shell.Git(worktree, "rev-parse", "HEAD").Trim();
    }
}
