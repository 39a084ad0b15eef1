using SnapBuild.Common;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Sources;

/// <summary>
/// The in-process import against what git itself makes of the same tarball: <c>tar x</c>, then
/// <c>git add --all --force</c>, <c>write-tree</c> and <c>commit-tree</c>, as the import did before.
/// </summary>
public class TarballTreeTests
{
    private const string Identity = "snap-build tarball import <import@snap-build.invalid>";

    private static readonly string Large = string.Concat(
        Enumerable.Range(0, 120_000).Select(i => $"INSERT INTO t VALUES ({i}, 'row {i * 7919 % 100_003}');\n"));

    [TestCase("gz")]
    [TestCase("xz")]
    [TestCase("plain")]
    public void Should_make_the_commit_git_makes_of_the_unpacked_tarball(string compression)
    {
        using var scratch = new TempDirectory();
        var tarball = Tarball(scratch, compression);

        var import = ImportInto(scratch, tarball, unpack: false);

        Assert.Multiple(() =>
        {
            Assert.That(import.Figures.Commit, Is.EqualTo(GitsCommit(scratch, tarball)));
            Assert.That(Shell.Git(import.Mirror, "fsck", "--no-progress", "--no-dangling"), Is.Empty);
            Assert.That(import.Figures.Unpacked, Is.Null);
        });
    }

    [Test]
    public void Should_unpack_a_worktree_that_git_sees_as_clean_without_hashing_it_again()
    {
        using var scratch = new TempDirectory();
        var tarball = Tarball(scratch, "gz");
        var import = ImportInto(scratch, tarball, unpack: true);
        var (root, entries) = import.Figures.Unpacked!.Value;
        var worktree = scratch.Combine("src");

        // Files written in the second the index is written are smudged, as git smudges them; a
        // second later every file's stat data stands on its own.
        Thread.Sleep(1100);
        Worktree.Adopt(import.Mirror, import.Figures.Commit, root, entries, worktree, default);

        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(root), Is.False, "the unpacked folder was moved into place");
            Assert.That(Shell.Git(worktree, "rev-parse", "HEAD").Trim(), Is.EqualTo(import.Figures.Commit));
            Assert.That(Shell.Git(worktree, "diff-files", "--name-only"), Is.Empty, "stat data matches every file");
            Assert.That(
                Shell.Git(worktree, "status", "--porcelain", "--ignored"),
                Is.Empty,
                "nothing changed, nothing left out");
            Assert.That(Shell.Git(worktree, "ls-files", "--stage", "bin/run.sh"), Does.StartWith("100755"));
            Assert.That(Shell.Run(worktree, "stat", "-c", "%A", "bin/run.sh").Trim(), Is.EqualTo("-rwxr-xr-x"));
            Assert.That(new FileInfo(Path.Combine(worktree, "docs", "latest")).LinkTarget, Is.EqualTo("guide.txt"));
            Assert.That(
                File.ReadAllText(Path.Combine(worktree, "docs", "copy.txt")), Is.EqualTo("a guide\n"), "the hard link");
            Assert.That(Shell.Git(worktree, "fsck", "--no-progress", "--no-dangling"), Is.Empty);
        });
    }

    [Test]
    public void Should_smudge_files_written_in_the_second_of_the_index_so_git_compares_their_content()
    {
        using var scratch = new TempDirectory();
        var tarball = Tarball(scratch, "gz");
        var import = ImportInto(scratch, tarball, unpack: true);
        var (root, entries) = import.Figures.Unpacked!.Value;
        var worktree = scratch.Combine("src");
        Worktree.Adopt(import.Mirror, import.Figures.Commit, root, entries, worktree, default);

        // Same size, same second: only the content tells the change apart.
        File.WriteAllText(Path.Combine(worktree, "docs", "guide.txt"), "A guide\n");

        Assert.That(Shell.Git(worktree, "status", "--porcelain"), Is.EqualTo(" M docs/guide.txt\n"));
    }

    [TestCase("../outside", TestName = "Should_refuse_an_entry_that_climbs_out_of_the_tree")]
    [TestCase("/etc/passwd", TestName = "Should_refuse_an_absolute_entry")]
    [TestCase("demo-1.0/.git/config", TestName = "Should_refuse_an_entry_inside_a_git_folder")]
    public void Should_refuse_a_hostile_entry(string name)
    {
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("hostile.tar");
        Shell.Run(scratch.Path, "python3", "-c", $"""
            import io, tarfile
            with tarfile.open("{tarball}", "w") as tar:
                for name, data in (("demo-1.0/README", b"fine\n"), ("{name}", b"evil\n")):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
            """);
        var mirror = scratch.Combine("mirror.git");
        Shell.Git(scratch.Path, "init", "-q", "--bare", mirror);

        var error = Assert.Throws<BuildException>(() =>
            TarballTree.Import(
                tarball, Path.Combine(mirror, "objects"), Identity, "Import", default, scratch.Combine("unpacked")));

        Assert.That(error!.Message, Is.EqualTo(
            $"{tarball} holds the entry {name}, which leaves the source tree or names a .git folder; "
            + "the tarball is not imported."));
    }

    [Test]
    public void Should_take_the_last_of_two_entries_for_one_path_by_importing_again_without_unpacking()
    {
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("twice.tar");
        Shell.Run(scratch.Path, "python3", "-c", $"""
            import io, tarfile
            with tarfile.open("{tarball}", "w") as tar:
                for data in (b"first\n", b"second\n"):
                    info = tarfile.TarInfo("demo-1.0/README")
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
            """);
        var cache = new CacheLayout(scratch.Combine("cache"));
        var mirror = new GitMirror(cache.MirrorFor("demo"));
        var log = new CollectingLog();
        var worktree = scratch.Combine("work", "src");
        Directory.CreateDirectory(scratch.Combine("work"));

        var commit = new TarballImporter(cache, log).Import(mirror, tarball, "v1.0", "0", default, worktree);

        Assert.Multiple(() =>
        {
            Assert.That(
                Shell.Git(mirror.Path, "show", $"{commit}:README"), Is.EqualTo("second\n"), "the last entry wins");
            Assert.That(
                log.Lines, Has.Some.Contains($"{tarball} holds demo-1.0/README more than once; importing it again"));
            Assert.That(Directory.Exists(worktree), Is.False, "the clone checks it out instead");
            Assert.That(Directory.GetDirectories(scratch.Combine("work")), Is.Empty, "no half-unpacked folder is left");
        });
    }

    [Test]
    public void Should_name_a_tarball_that_is_cut_short()
    {
        using var scratch = new TempDirectory();
        var tarball = Tarball(scratch, "gz");
        var bytes = File.ReadAllBytes(tarball);
        File.WriteAllBytes(tarball, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<BuildException>(() => ImportInto(scratch, tarball, unpack: false));

        Assert.That(error!.Message, Does.StartWith($"{tarball} is not a readable tarball (")
            .And.EndWith("); delete it so it is downloaded again."));
    }

    private static (string Mirror, TarballTree.Figures Figures) ImportInto(
        TempDirectory scratch,
        string tarball,
        bool unpack)
    {
        var mirror = scratch.Combine("mirror.git");
        if (!Directory.Exists(mirror))
        {
            Shell.Git(scratch.Path, "init", "-q", "--bare", mirror);
        }

        var figures = TarballTree.Import(
            tarball,
            Path.Combine(mirror, "objects"),
            Identity,
            "Import demo 1.0",
            default,
            unpack ? scratch.Combine("src.unpacking") : null);

        return (mirror, figures);
    }

    /// <summary>
    /// A tarball with what trips importers: modes, a symbolic and a hard link, names git sorts
    /// oddly, empty files, an empty folder, files too large to hold whole.
    /// </summary>
    private static string Tarball(TempDirectory scratch, string compression)
    {
        var tree = scratch.Combine("tree", "demo-1.0");
        foreach (var (path, content) in new[]
        {
            ("README", "demo\n"),
            ("bin/run.sh", "#!/bin/sh\necho run\n"),
            ("docs/guide.txt", "a guide\n"),
            ("a-b", "dash\n"), ("a.b", "dot\n"), ("a/b", "folder\n"), ("a0", "zero\n"),
            ("src/größe.c", "int size;\n"), ("src/empty.h", string.Empty),
            (".gitignore", "*.o\n"), ("src/kept.o", "ignored by the tarball's own .gitignore\n"),

            // Larger than what the import holds whole: packed as it is read; the copy is packed once.
            ("data/large.sql", Large), ("data/large-copy.sql", Large),
        })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(tree, path))!);
            File.WriteAllText(Path.Combine(tree, path), content);
        }

        // Incompressible and larger than the pack's write buffer: stored, and its copy cut off again
        // after parts of it are on disk.
        var noise = new byte[6 << 20];
        new Random(7).NextBytes(noise);
        File.WriteAllBytes(Path.Combine(tree, "data/noise.bin"), noise);
        File.WriteAllBytes(Path.Combine(tree, "data/noise-copy.bin"), noise);
        Shell.Run(tree, "chmod", "+x", "bin/run.sh");
        Shell.Run(tree, "ln", "-s", "guide.txt", "docs/latest");
        Shell.Run(tree, "ln", "docs/guide.txt", "docs/copy.txt");
        Directory.CreateDirectory(Path.Combine(tree, "empty"));
        var suffix = compression switch { "gz" => ".gz", "xz" => ".xz", _ => string.Empty };
        var tarball = scratch.Combine($"demo-1.0.tar{suffix}");
        var flag = compression switch { "gz" => "-z", "xz" => "-J", _ => "--no-auto-compress" };
        Shell.Run(
            scratch.Combine("tree"),
            "tar", "-c", flag, "-f", tarball, "--sort=name", "--owner=0", "--group=0", "demo-1.0");

        return tarball;
    }

    /// <summary>What the import did before: unpack, add everything, write the tree and the commit.</summary>
    private static string GitsCommit(TempDirectory scratch, string tarball)
    {
        var unpacked = scratch.Combine("by-git");
        Directory.CreateDirectory(unpacked);
        Shell.Run(unpacked, "tar", "-xf", tarball, "--no-same-owner");
        var top = Path.Combine(unpacked, "demo-1.0");
        var newest = Directory.EnumerateFiles(top, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).LinkTarget is null)
            .Max(f => new DateTimeOffset(File.GetLastWriteTimeUtc(f)).ToUnixTimeSeconds());
        var repository = scratch.Combine("by-git.git");
        Shell.Git(scratch.Path, "init", "-q", "--bare", repository);
        var environment = new Dictionary<string, string?>
        {
            ["GIT_DIR"] = repository,
            ["GIT_INDEX_FILE"] = scratch.Combine("by-git.index"),
            ["GIT_WORK_TREE"] = top,
            ["GIT_AUTHOR_NAME"] = "snap-build tarball import",
            ["GIT_AUTHOR_EMAIL"] = "import@snap-build.invalid",
            ["GIT_COMMITTER_NAME"] = "snap-build tarball import",
            ["GIT_COMMITTER_EMAIL"] = "import@snap-build.invalid",
            ["GIT_AUTHOR_DATE"] = $"@{newest} +0000",
            ["GIT_COMMITTER_DATE"] = $"@{newest} +0000",
        };
        string Git(params string[] arguments) =>
            ProcessRunner.RunChecked(
                    new ProcessSpec("git", arguments) { Environment = environment, WorkingDirectory = top })
                .StandardOutput.Trim();

        Git("-c", "core.autocrlf=false", "add", "--all", "--force", ".");
        var tree = Git("write-tree");

        return Git("commit-tree", tree, "-m", "Import demo 1.0");
    }
}
