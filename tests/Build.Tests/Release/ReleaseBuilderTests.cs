using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using SnapBuild.Common;
using SnapBuild.Release;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Release;

/// <summary>Release on the tests' own upstream, built for amd64, from a committed checkout of the demo project.</summary>
[NonParallelizable]
public class ReleaseBuilderTests
{
    private TestUpstream upstream = null!;
    private DemoProject project = null!;

    [OneTimeSetUp]
    public void BuildAndCommit()
    {
        upstream = new TestUpstream();
        project = new DemoProject(upstream);
        project.Built();
        Shell.Git(project.Root, "init", "--quiet");
        Shell.Git(project.Root, "add", "recipes", "patches");
        Shell.Git(project.Root, "commit", "--quiet", "-m", "The demo project");
        Shell.Git(project.Root, "tag", "v1.0.0+snap3");
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        project.Dispose();
        upstream.Dispose();
    }

    [SetUp]
    public void NoArtifactsYet()
    {
        var release = Path.Combine(project.ArtifactsDirectory, "release");
        if (Directory.Exists(release))
        {
            Directory.Delete(release, recursive: true);
        }
    }

    [Test]
    public void Should_take_the_version_from_the_release_tag_on_head_or_the_argument()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Builder().Version(null), Is.EqualTo("1.0.0+snap3"));
            Assert.That(Builder().Version(7), Is.EqualTo("1.0.0+snap7"));
            Assert.That(ReleaseBuilder.UpstreamVersion("mysql-9.7.2"), Is.EqualTo("9.7.2"));
        });
    }

    [Test]
    public void Should_give_byte_identical_artifacts_on_two_runs()
    {
        var first = Cut();
        NoArtifactsYet();
        Thread.Sleep(1100);

        var second = Cut();

        Assert.Multiple(() =>
        {
            Assert.That(second.Keys, Is.EqualTo(first.Keys));
            Assert.That(second.Keys, Is.SupersetOf(new[]
            {
                "SHA256SUMS", "provenance.json", "demo_1.0.0+snap3_amd64.tar.gz", "demo.snapcraft.yaml",
            }));
            foreach (var (name, bytes) in first)
            {
                Assert.That(second[name], Is.EqualTo(bytes), $"{name} differs between the runs");
            }
        });
    }

    [Test]
    public void Should_pack_sorted_entries_owned_by_root_dated_by_the_upstream_commit()
    {
        Cut();
        var commitTime = long.Parse(Shell.Git(project.Source, "show", "-s", "--format=%ct", "HEAD~2").Trim());

        var entries = Read(Path.Combine(project.ArtifactsDirectory, "release", "demo_1.0.0+snap3_amd64.tar.gz"));

        Assert.Multiple(() =>
        {
            Assert.That(entries.Select(e => e.Name), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(entries.Select(e => e.Name), Does.Contain("usr/bin/cleaner"));
            Assert.That(entries, Has.All.Matches<TarEntry>(e => e!.Uid == 0 && e.Gid == 0));
            Assert.That(entries.Select(e => e.ModificationTime.ToUnixTimeSeconds()).Distinct(), Is.EqualTo(new[] { commitTime }));
            Assert.That(entries.Single(e => e.Name == "usr/bin/cleaner").Mode & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
        });
    }

    [Test]
    public void Should_name_upstream_patches_recipe_and_artifacts_in_the_manifest()
    {
        var files = Cut();

        using var manifest = JsonDocument.Parse(files["provenance.json"]);
        var root = manifest.RootElement;
        var sums = System.Text.Encoding.UTF8.GetString(files["SHA256SUMS"]);
        var tarball = Path.Combine(project.ArtifactsDirectory, "release", "demo_1.0.0+snap3_amd64.tar.gz");
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("version").GetString(), Is.EqualTo("1.0.0+snap3"));
            Assert.That(root.GetProperty("upstream").GetProperty("tag").GetString(), Is.EqualTo(TestUpstream.FirstTag));
            Assert.That(root.GetProperty("upstream").GetProperty("commit").GetString(), Has.Length.EqualTo(40));
            Assert.That(root.GetProperty("patches").GetArrayLength(), Is.EqualTo(2));
            Assert.That(root.GetProperty("recipe").GetProperty("sha256").GetString(), Is.EqualTo(Hashing.Sha256OfFile(project.RecipePath)));
            Assert.That(root.GetProperty("artifacts")[0].GetProperty("toolchain").GetString(), Does.Contain("cmake version"));
            Assert.That(sums, Is.EqualTo($"{Hashing.Sha256OfFile(tarball)}  demo_1.0.0+snap3_amd64.tar.gz\n"));
        });
    }

    [Test]
    public void Should_write_the_prebuilt_part_over_the_release_tarballs()
    {
        var files = Cut();

        var part = System.Text.Encoding.UTF8.GetString(files["demo.snapcraft.yaml"]);
        Assert.Multiple(() =>
        {
            Assert.That(part, Does.Contain("plugin: dump"));
            Assert.That(part, Does.Contain("- to amd64: demo_1.0.0+snap3_amd64.tar.gz"));
            Assert.That(part, Does.Contain("source-type: tar"));
        });
    }

    [Test]
    public void Should_refuse_a_checkout_with_uncommitted_changes_naming_them()
    {
        var patch = Directory.EnumerateFiles(project.PatchesDirectory, "*.patch").Order(StringComparer.Ordinal).First();
        var original = File.ReadAllText(patch);
        File.AppendAllText(patch, "\n");
        try
        {
            var error = Assert.Throws<BuildException>(() => Builder().Preflight(null));

            Assert.That(error!.Message, Does.StartWith("A release runs from a clean checkout, but")
                .And.Contain($"patches/demo/{Path.GetFileName(patch)}"));
        }
        finally
        {
            File.WriteAllText(patch, original);
        }
    }

    [Test]
    public void Should_say_how_to_give_the_revision_when_no_tag_names_it()
    {
        var settings = project.Settings();
        Shell.Git(project.Root, "tag", "-d", "v1.0.0+snap3");
        try
        {
            var error = Assert.Throws<UsageException>(() => new ReleaseBuilder(settings, new CollectingLog(), default).Version(null));

            Assert.That(error!.Message, Does.Contain("tag this commit '1.0.0+snapN'").And.Contain("--snap-revision=N"));
        }
        finally
        {
            Shell.Git(project.Root, "tag", "v1.0.0+snap3");
        }
    }

    [Test]
    public void Should_refuse_an_architecture_that_was_not_packed()
    {
        Builder().Package("amd64", null);

        var error = Assert.Throws<BuildException>(() => Builder("--arch=amd64,arm64").Assemble(null));

        Assert.That(error!.Message, Does.Contain("has no arm64 artifact").And.Contain("--target=Package --arch=arm64"));
    }

    private ReleaseBuilder Builder(params string[] extra) => new(project.Settings(extra), new CollectingLog(), default);

    /// <summary>Packs amd64 and assembles the release; returns every file of artifacts/release by name.</summary>
    private Dictionary<string, byte[]> Cut()
    {
        var builder = Builder();
        builder.Package("amd64", null);
        builder.Assemble(null);

        return Directory.EnumerateFiles(builder.Directory)
            .Order(StringComparer.Ordinal)
            .ToDictionary(p => Path.GetFileName(p), File.ReadAllBytes);
    }

    private static List<TarEntry> Read(string tarball)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry() is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }
}
