using SnapBuild.Common;
using SnapBuild.Patches;
using SnapBuild.Tests.Support;
using SnapBuild.Upstream;

namespace SnapBuild.Tests.RealSource;

/// <summary>
/// UpstreamCheck with the project's own MySQL recipe and series, against a GitHub stand-in for
/// <c>mysql/mysql-server</c> that serves the real 9.7.2 files: as released (the series is
/// needed), and as a made-up 9.7.3 that already carries both patches (the fork is unnecessary).
/// </summary>
[Category("RealSource")]
public class MySqlUpstreamCheckTests
{
    [Test]
    public async Task Should_find_the_series_needed_on_the_real_release()
    {
        using var github = Stand_in(patched: false);

        var report = await Check(github);

        Assert.Multiple(() =>
        {
            Assert.That(report.NewestTracked, Is.EqualTo("mysql-9.7.3"));
            Assert.That(report.NewestOverall, Is.EqualTo("mysql-10.0.0"));
            Assert.That(report.Patches.Select(p => p.Verdict), Has.All.EqualTo(PatchVerdict.Needed));
            Assert.That(report.Patches, Has.Count.EqualTo(SeriesFile.Read(MySqlSource.Recipe.Patches.Series).Entries.Count));
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.StillNeeded));
        });
    }

    [Test]
    public async Task Should_find_the_fork_unnecessary_once_upstream_carries_the_series()
    {
        using var github = Stand_in(patched: true);

        var report = await Check(github);

        Assert.Multiple(() =>
        {
            Assert.That(report.Patches.Select(p => p.Verdict), Has.All.EqualTo(PatchVerdict.MergedUpstream));
            Assert.That(report.Answer, Is.EqualTo(ForkAnswer.Unnecessary));
        });
    }

    private static Task<UpstreamReport> Check(FakeGitHub github)
    {
        var options = new GitHubOptions { ApiUrl = new Uri(github.Url), FirstRetryDelay = TimeSpan.FromMilliseconds(10) };

        return new UpstreamChecker(options, new CollectingLog(), CancellationToken.None).CheckAsync(MySqlSource.Recipe);
    }

    /// <summary>mysql/mysql-server with 9.7.1, 9.7.2, a 9.7.3 holding 9.7.2's files (patched or not) and a 10.0.0.</summary>
    private static FakeGitHub Stand_in(bool patched)
    {
        var github = new FakeGitHub("mysql", "mysql-server");
        foreach (var tag in new[] { "mysql-9.7.1", "mysql-9.7.2", "mysql-9.7.3", "mysql-10.0.0", "mysql-cluster-9.7.9" })
        {
            github.Tags.Add((tag, new string('a', 40)));
        }

        var series = SeriesFile.Read(MySqlSource.Recipe.Patches.Series);
        var paths = series.Entries
            .SelectMany(e => PatchFile.Read(e.Path, e.StripLevel).Files.Select(f => f.Path))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        using var tree = new TempDirectory("mysql-files");
        Shell.Run(tree.Path, "sh", "-c",
            $"git -C '{MySqlSource.Repository}' archive mysql-9.7.2 -- {string.Join(' ', paths)} | tar -x -f -");

        if (patched)
        {
            Shell.Git(tree.Path, "init", "--quiet");
            foreach (var entry in series.Entries)
            {
                Shell.Git(tree.Path, "apply", $"-p{entry.StripLevel}", entry.Path);
            }
        }

        foreach (var path in paths)
        {
            github.RawFiles[("mysql-9.7.3", path)] = File.ReadAllBytes(tree.Combine(path));
        }

        return github;
    }
}
