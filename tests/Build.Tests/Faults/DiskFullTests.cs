using SnapBuild.Common;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Faults;

/// <summary>
/// A disk that fills up while the mirror or the part is written: a small tmpfs, filled to the
/// last byte. The error names the path, and nothing half-written stays behind as if complete.
/// Mounting needs root; elsewhere the tests say so and are inconclusive.
/// </summary>
[NonParallelizable]
public class DiskFullTests
{
    [Test]
    public void Should_name_the_part_and_leave_no_part_behind_when_the_disk_is_full()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var pipeline = project.Built();
        using var disk = FullDisk.Mount(Path.Combine(project.ArtifactsDirectory, "snapcraft"));

        var error = Assert.Throws<BuildException>(() => pipeline.Snap());

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith($"Could not write {Path.Combine(disk.Path, "demo.yaml")}")
                .And.Contain("No space left on device"));
            Assert.That(Directory.EnumerateFileSystemEntries(disk.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "filler" }),
                "neither the part nor a temporary file is left");
        });
    }

    [Test]
    public void Should_name_the_mirror_when_its_disk_fills_during_the_fetch_and_keep_what_it_had()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var mirror = project.Pipeline().Cache.MirrorFor("demo");
        using var disk = FullDisk.Mount(Path.GetDirectoryName(mirror)!, leaveFree: 24 * 1024);

        var error = Assert.Throws<BuildException>(() => project.Pipeline().Clone());

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain(mirror).And.Contain("full").And.Contain("--cache-dir"));
            Assert.That(project.Log.Lines, Has.None.Contains("trying again"), "a full disk is not retried");
        });
    }

    [Test]
    public void Should_keep_the_previous_stage_and_no_half_install_when_the_stage_disk_fills()
    {
        using var upstream = new TestUpstream();
        using var project = new DemoProject(upstream);
        var stages = Path.Combine(project.WorkDirectory, "demo", "stage");
        using var disk = FullDisk.Mount(stages, size: "8m", fill: false);
        project.Built();
        var stage = Path.Combine(stages, "amd64");
        var before = Snapshot(stage);
        disk.Fill();
        File.Delete(Path.Combine(project.WorkDirectory, "demo", "stages", "build-amd64.json"));

        var pipeline = project.Pipeline();
        pipeline.Clone();
        pipeline.Patch();
        var error = Assert.Throws<BuildException>(() => pipeline.Build());
        var afterFailure = Snapshot(stage);
        var halfInstall = Directory.Exists(stage + ".new");
        disk.Empty();
        var retry = project.Pipeline();
        retry.Clone();
        retry.Patch();
        retry.Build();

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.StartWith($"The disk holding the stage {stage} filled up during the install")
                .And.Contain("the previous stage is kept").And.Contain("--work-dir"));
            Assert.That(afterFailure, Is.EqualTo(before), "the previous stage is whole, byte for byte");
            Assert.That(halfInstall, Is.False, "no half install is left beside it");
            Assert.That(Snapshot(stage), Is.EqualTo(before), "with space again, the install gives the same stage");
        });
    }

    /// <summary>Every file below a folder with its bytes' hash, in order.</summary>
    private static string Snapshot(string directory) =>
        string.Join('\n', Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(directory, f)} {Hashing.Sha256OfFile(f)}"));

    /// <summary>A tmpfs mounted over a folder and filled, unmounted on dispose.</summary>
    private sealed class FullDisk : IDisposable
    {
        private FullDisk(string path) => Path = path;

        public string Path { get; }

        public static FullDisk Mount(string path, int leaveFree = 0, string size = "64k", bool fill = true)
        {
            Directory.CreateDirectory(path);
            var mount = ProcessRunner.Run(new ProcessSpec("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", path]));
            if (mount.ExitCode != 0)
            {
                Assert.Inconclusive($"A small tmpfs could not be mounted here (mount needs root): {mount.StandardError.Trim()}");
            }

            var disk = new FullDisk(path);
            if (fill)
            {
                disk.Fill(leaveFree);
            }

            return disk;
        }

        /// <summary>Writes a filler file until the disk is full, then gives back <paramref name="leaveFree"/> bytes.</summary>
        public void Fill(int leaveFree = 0)
        {
            var filler = System.IO.Path.Combine(Path, "filler");
            try
            {
                using var stream = new FileStream(filler, FileMode.Create);
                var block = new byte[4096];
                while (true)
                {
                    stream.Write(block);
                    stream.Flush(flushToDisk: true);
                }
            }
            catch (IOException)
            {
                // Full: exactly what the test needs.
            }

            if (leaveFree > 0)
            {
                using var stream = new FileStream(filler, FileMode.Open);
                stream.SetLength(Math.Max(0, stream.Length - leaveFree));
            }
        }

        public void Empty() => File.Delete(System.IO.Path.Combine(Path, "filler"));

        public void Dispose() => ProcessRunner.Run(new ProcessSpec("umount", ["-l", Path]));
    }
}
