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

    /// <summary>A tmpfs mounted over a folder and filled, unmounted on dispose.</summary>
    private sealed class FullDisk : IDisposable
    {
        private FullDisk(string path) => Path = path;

        public string Path { get; }

        public static FullDisk Mount(string path, int leaveFree = 0)
        {
            Directory.CreateDirectory(path);
            var mount = ProcessRunner.Run(new ProcessSpec("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", path]));
            if (mount.ExitCode != 0)
            {
                Assert.Inconclusive($"A small tmpfs could not be mounted here (mount needs root): {mount.StandardError.Trim()}");
            }

            var disk = new FullDisk(path);
            try
            {
                using var filler = new FileStream(System.IO.Path.Combine(path, "filler"), FileMode.Create);
                var block = new byte[4096];
                while (true)
                {
                    filler.Write(block);
                    filler.Flush(flushToDisk: true);
                }
            }
            catch (IOException)
            {
                // Full: exactly what the test needs.
            }

            if (leaveFree > 0)
            {
                using var filler = new FileStream(System.IO.Path.Combine(path, "filler"), FileMode.Open);
                filler.SetLength(Math.Max(0, filler.Length - leaveFree));
            }

            return disk;
        }

        public void Dispose() => ProcessRunner.Run(new ProcessSpec("umount", ["-l", Path]));
    }
}
