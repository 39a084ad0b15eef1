using SnapBuild.Common;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Common;

public class LeftoversTests
{
    [Test]
    public void Should_remove_what_a_dead_process_left_and_keep_what_a_live_one_is_writing()
    {
        using var directory = new TempDirectory();
        var dead = DeadProcessId();
        var live = Environment.ProcessId;
        var parent = ParentProcessId();
        directory.Write($".part.yaml.{dead}.tmp", "left by a killed run");
        directory.Write($".part.yaml.{live}.tmp", "this run's own");
        directory.Write($".part.yaml.{parent}.tmp", "another live run's");
        directory.Write($".other.yaml.{dead}.tmp", "another file's, not asked about");
        directory.Write(".part.yaml.notanumber.tmp", "not named by a process id");
        Directory.CreateDirectory(directory.Combine($"import-{dead}", "tree"));
        directory.Write(Path.Combine($"import-{dead}", "tree", "file"), "x");

        var files = Leftovers.RemoveDead(directory.Path, ".part.yaml.", ".tmp");
        var folders = Leftovers.RemoveDead(directory.Path, "import-", string.Empty);

        Assert.Multiple(() =>
        {
            Assert.That(files, Is.EqualTo(1));
            Assert.That(folders, Is.EqualTo(1));
            Assert.That(
                Directory.EnumerateFileSystemEntries(directory.Path)
                    .Select(Path.GetFileName)
                    .Order(StringComparer.Ordinal),
                Is.EqualTo(new[]
                {
                    $".other.yaml.{dead}.tmp",
                    $".part.yaml.{live}.tmp",
                    $".part.yaml.{parent}.tmp",
                    ".part.yaml.notanumber.tmp",
                }.Order(StringComparer.Ordinal)));
        });
    }

    [Test]
    public void Should_do_nothing_when_the_folder_does_not_exist()
    {
        using var directory = new TempDirectory();

        Assert.That(Leftovers.RemoveDead(directory.Combine("missing"), "x.", ".tmp"), Is.Zero);
    }

    private static int DeadProcessId()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        process.WaitForExit();

        return process.Id;
    }

    private static int ParentProcessId() =>
        int.Parse(File.ReadLines("/proc/self/status")
            .First(l => l.StartsWith("PPid:", StringComparison.Ordinal))[5..]
            .Trim());
}
