using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Faults;

/// <summary>Damaged caches and records: detected, said in a warning, and rebuilt.</summary>
[NonParallelizable]
public class CorruptionTests
{
    // Loose objects cut in half made libgit2 0.32 loop without end while reading them; the mirror
    // and the worktree are now read through git, which reports them as corrupt.
    [TestCase("truncated objects")]
    [TestCase("truncated pack")]
    [TestCase("missing objects")]
    public void Should_fetch_again_when_the_mirror_is_damaged(string damage)
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var first = project.Pipeline().Clone();
        if (damage == "truncated pack")
        {
            // The demo's fetch is small enough to be unpacked; MySQL's would stay one pack.
            Shell.Git(first.MirrorPath, "repack", "-a", "-d", "-q");
            Shell.Git(first.MirrorPath, "prune-packed");
        }

        // A small fetch is unpacked into loose objects; a large one stays a pack. Damage them all.
        var objects = Directory.EnumerateFiles(Path.Combine(first.MirrorPath, "objects"), "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)!).Length == 2 || f.EndsWith(".pack", StringComparison.Ordinal))
            .ToList();
        Assert.That(objects, Is.Not.Empty);
        foreach (var file in objects)
        {
            if (damage != "missing objects")
            {
                File.SetAttributes(file, FileAttributes.Normal);
                using var stream = new FileStream(file, FileMode.Open);
                stream.SetLength(stream.Length / 2);
            }
            else
            {
                File.Delete(file);
            }
        }

        Directory.Delete(project.Source, recursive: true);

        var pipeline = project.Pipeline();
        var second = pipeline.Clone();

        Assert.Multiple(() =>
        {
            Assert.That(second.Commit, Is.EqualTo(first.Commit));
            Assert.That(project.Log.Lines, Has.Some.Contains(damage == "missing objects"
                ? "fetched v1.0.0"
                : $"warning: The mirror {first.MirrorPath} is damaged"), "the release is fetched again");
            Assert.That(File.Exists(Path.Combine(project.Source, "src", "page_cleaner.cpp")), Is.True, "the worktree is checked out again");
            Assert.That(Shell.Git(first.MirrorPath, "fsck", "--no-progress"), Does.Not.Contain("error"));
        });
    }

    [Test]
    public void Should_redo_a_stage_whose_record_is_damaged()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        project.Built();
        var record = Path.Combine(project.WorkDirectory, "demo", "stages", "build-amd64.json");
        File.WriteAllText(record, File.ReadAllText(record)[..20]);

        var pipeline = project.Pipeline();
        pipeline.Clone();
        pipeline.Patch();
        pipeline.Build();

        Assert.Multiple(() =>
        {
            Assert.That(project.Log.Lines, Has.Some.Contains($"The stage record {record} is unreadable"));
            Assert.That(project.Log.Lines, Has.None.Contains("Build amd64: up to date"), "the stage runs again");
            Assert.That(File.ReadAllText(record), Does.Contain("\"Stage\": \"build-amd64\""), "and its record is whole again");
        });
    }
}
