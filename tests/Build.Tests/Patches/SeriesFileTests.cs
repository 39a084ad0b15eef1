using SnapBuild.Common;
using SnapBuild.Patches;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Patches;

public class SeriesFileTests
{
    [Test]
    public void Should_read_patches_in_order_with_strip_levels_comments_and_blank_lines()
    {
        using var directory = new TempDirectory();
        directory.Write("p/a.patch", "x");
        directory.Write("p/b.patch", "x");
        directory.Write("p/c.diff", "x");
        var series = directory.Write("p/series", "# comment\n\na.patch\nb.patch -p0 # trailing comment\n  c.diff -p 2\n");

        var read = SeriesFile.Read(series);

        Assert.That(read.Entries.Select(e => (e.Name, e.StripLevel, e.Line)), Is.EqualTo(new[]
        {
            ("a.patch", 1, 3), ("b.patch", 0, 4), ("c.diff", 2, 5),
        }));
    }

    [Test]
    public void Should_name_the_line_when_the_series_lists_a_missing_patch()
    {
        using var directory = new TempDirectory();
        var series = directory.Write("p/series", "gone.patch\n");

        var error = Assert.Throws<UsageException>(() => SeriesFile.Read(series));

        Assert.That(error!.Message, Does.Contain("series:1: the series names gone.patch").And.Contain("does not exist"));
    }

    [Test]
    public void Should_refuse_an_option_quilt_does_not_understand_here()
    {
        using var directory = new TempDirectory();
        directory.Write("p/a.patch", "x");
        var series = directory.Write("p/series", "a.patch -R\n");

        var error = Assert.Throws<UsageException>(() => SeriesFile.Read(series));

        Assert.That(error!.Message, Does.Contain("unsupported series option '-R'"));
    }

    [Test]
    public void Should_list_patch_files_the_series_does_not_name()
    {
        using var directory = new TempDirectory();
        directory.Write("p/a.patch", "x");
        directory.Write("p/forgotten.patch", "x");
        var series = directory.Write("p/series", "a.patch\n");

        var read = SeriesFile.Read(series);

        Assert.That(read.Unlisted, Is.EqualTo(new[] { "forgotten.patch" }));
    }

    [Test]
    public void Should_refuse_a_patch_outside_the_series_folder()
    {
        using var directory = new TempDirectory();
        directory.Write("elsewhere.patch", "x");
        var series = directory.Write("p/series", "../elsewhere.patch\n");

        var error = Assert.Throws<UsageException>(() => SeriesFile.Read(series));

        Assert.That(error!.Message, Does.Contain("lies outside"));
    }

    [Test]
    public void Should_change_its_hash_when_a_patch_changes()
    {
        using var directory = new TempDirectory();
        var patch = directory.Write("p/a.patch", "one");
        var series = directory.Write("p/series", "a.patch\n");
        var before = SeriesFile.Read(series).Hash();

        File.WriteAllText(patch, "two");

        Assert.That(SeriesFile.Read(series).Hash(), Is.Not.EqualTo(before));
    }
}
