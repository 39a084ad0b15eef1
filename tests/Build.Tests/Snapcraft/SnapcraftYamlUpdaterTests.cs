using System.Text;
using SnapBuild.Common;
using SnapBuild.Snapcraft;
using SnapBuild.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SnapBuild.Tests.Snapcraft;

/// <summary>
/// The in-place update on a snapcraft.yaml shaped like a real application snap's: a header
/// comment, metadata with a folded description, platforms, several apps and hooks, parts with
/// comments between and inside them, and sections after <c>parts:</c>.
/// </summary>
public class SnapcraftYamlUpdaterTests
{
    /// <summary>Everything up to the MySQL part, including the comment above it.</summary>
    private const string Head = """
        # Notebook Server: a web application with its own database, in one strict snap.
        name: notebook-server
        version: '2.4.1'
        summary: A self-hosted notebook server with its own MySQL
        description: |
          Notebook Server keeps notes, attachments and calendars on your own machine.

          It ships Apache, PHP and MySQL in one snap.
        grade: stable
        confinement: strict
        base: core24

        platforms:
          amd64:
          arm64:

        apps:
          # The web server.
          apache:
            command: bin/run-httpd -DFOREGROUND
            daemon: simple
            plugs: [network, network-bind]

          mysql:
            command: bin/start-mysql
            stop-command: bin/stop-mysql
            daemon: simple
            restart-condition: always
            plugs: [network, network-bind]

          mysql-client:
            command: bin/run-mysql
            plugs: [network]

        hooks:
          configure:
            plugs: [network, network-bind]
          post-refresh:
            plugs: [network]

        parts:
          # Apache, from the release tarball.
          apache:
            plugin: autotools
            source: https://archive.example.org/httpd-2.4.62.tar.bz2
            source-checksum: sha256/8f5fbfe1a4dfb24aa6b71ad7b8b7a1e3d1d4c1b7e60e8fb7f8d1bb0ed3bd1b5f
            autotools-configure-parameters:
              - --prefix=/
              - --enable-mods-static="headers proxy rewrite"   # quoted for the shell
            build-packages: [libapr1-dev, libaprutil1-dev, libpcre2-dev]
            stage:
              - -man
              - -include

          # MySQL: snap-build replaces this part.

        """;

    /// <summary>The hand-written MySQL part that the update replaces.</summary>
    private const string OldMysql = """
          mysql:
            plugin: cmake
            source: https://example.org/mysql-8.4.0.tar.gz
            cmake-parameters:
              - -DCMAKE_INSTALL_PREFIX=/
              # keep the test suite out
              - -DWITH_UNIT_TESTS=OFF
            override-build: |
              craftctl default

              strip --strip-all "$CRAFT_PART_INSTALL"/bin/mysqld
            stage-packages:
              - libaio1t64 # for InnoDB

        """;

    /// <summary>The parts after MySQL, up to the end of the last part's last line.</summary>
    private const string Middle = """

          # Our wrapper scripts for MySQL.
          mysql-customizations:
            plugin: dump
            source: src/mysql/
            organize:
              'bin/*': bin/

          php:
            plugin: nil
            stage-packages: [php8.3-fpm, php8.3-mysql]
            after: [mysql]

        """;

    /// <summary>What follows <c>parts:</c>.</summary>
    private const string Tail = """

        # Apache's runtime files live in $SNAP_DATA.
        layout:
          /etc/apache2:
            bind: $SNAP_DATA/apache2

        """;

    private const string Original = Head + OldMysql + Middle + Tail;

    [Test]
    public void Should_replace_only_the_mysql_part_and_add_the_patches_part_at_the_end_of_parts()
    {
        using var directory = new TempDirectory();
        var document = Document(directory, PartForm.Source);

        var update = SnapcraftYamlUpdater.Apply("snap/snapcraft.yaml", Original, document);

        Assert.Multiple(() =>
        {
            Assert.That(update.Text, Is.EqualTo(Expected(document)));
            Assert.That(update.Replaced, Is.EqualTo(new[] { "mysql" }));
            Assert.That(update.Added, Is.EqualTo(new[] { "mysql-patches" }));
            Assert.That(update.Changed, Is.True);
            Assert.That(update.Warnings, Is.Empty);
        });
    }

    [Test]
    public void Should_keep_every_other_part_and_key_as_yamldotnet_reads_them()
    {
        using var directory = new TempDirectory();
        var document = Document(directory, PartForm.Source);

        var updated = Load(SnapcraftYamlUpdater.Apply("snapcraft.yaml", Original, document).Text);
        var original = Load(Original);
        var parts = (YamlMappingNode)updated["parts"];

        Assert.Multiple(() =>
        {
            Assert.That(Keys(updated), Is.EqualTo(Keys(original)));
            foreach (var key in new[] { "name", "version", "description", "platforms", "apps", "hooks", "layout" })
            {
                Assert.That(SnapYaml.Canonical(updated[key]), Is.EqualTo(SnapYaml.Canonical(original[key])), key);
            }

            Assert.That(Keys(parts),
                Is.EqualTo(new[] { "apache", "mysql", "mysql-customizations", "php", "mysql-patches" }));
            var originalParts = (YamlMappingNode)original["parts"];
            foreach (var name in new[] { "apache", "mysql-customizations", "php" })
            {
                Assert.That(SnapYaml.Canonical(parts[name]), Is.EqualTo(SnapYaml.Canonical(originalParts[name])), name);
            }

            Assert.That(SnapYaml.Canonical(parts["mysql"]), Is.EqualTo(SnapYaml.Canonical(document.Parts[0].Node)));
        });
    }

    [Test]
    public void Should_change_nothing_on_a_second_run()
    {
        using var directory = new TempDirectory();
        var document = Document(directory, PartForm.Source);
        var once = SnapcraftYamlUpdater.Apply("snapcraft.yaml", Original, document).Text;

        var twice = SnapcraftYamlUpdater.Apply("snapcraft.yaml", once, document);

        Assert.Multiple(() =>
        {
            Assert.That(twice.Changed, Is.False);
            Assert.That(twice.Text, Is.EqualTo(once));
            Assert.That(twice.Replaced, Is.EqualTo(new[] { "mysql", "mysql-patches" }));
        });
    }

    [Test]
    public void Should_keep_crlf_line_ends()
    {
        using var directory = new TempDirectory();
        var document = Document(directory, PartForm.Source);

        var update = SnapcraftYamlUpdater.Apply("snapcraft.yaml", Crlf(Original), document);

        Assert.That(update.Text, Is.EqualTo(Crlf(Expected(document))));
    }

    [Test]
    public void Should_add_the_parts_after_the_last_part_when_the_file_has_none_of_them()
    {
        using var directory = new TempDirectory();
        var document = Document(directory, PartForm.Source);
        var withoutMysql = Head + Middle.TrimStart('\n') + Tail;

        var update = SnapcraftYamlUpdater.Apply("snapcraft.yaml", withoutMysql, document);

        Assert.Multiple(() =>
        {
            Assert.That(update.Text, Is.EqualTo(Head + Middle.TrimStart('\n')
                + "\n" + Indented(document, "mysql") + "\n" + Indented(document, "mysql-patches") + Tail));
            Assert.That(update.Added, Is.EqualTo(new[] { "mysql", "mysql-patches" }));
        });
    }

    [Test]
    public void Should_keep_comments_after_a_last_part_that_ends_in_a_script()
    {
        using var directory = new TempDirectory();
        var document = Document(directory, PartForm.Source);
        const string before = "base: core24\nparts:\n  mysql:\n    plugin: nil\n"
            + "    override-build: |\n      make\n\n      make install\n\n";
        const string after = "  # more parts go here\n\n# The end.\n";

        var update = SnapcraftYamlUpdater.Apply("snapcraft.yaml", before + after, document);

        Assert.That(update.Text, Is.EqualTo(
            "base: core24\nparts:\n" + Indented(document, "mysql") + Indented(document, "mysql-patches")
            + "\n" + after));
    }

    [TestCase("  mysql: {plugin: nil, source: .}   # flow style\n")]
    [TestCase("  mysql:\n")]
    [TestCase("  mysql: &mysql\n    plugin: nil\n")]
    public void Should_replace_a_part_written_in_flow_style_or_empty_and_keep_the_next_one(string mysql)
    {
        using var directory = new TempDirectory();
        var document = Document(directory, PartForm.Source);
        const string other = "  other:\n    plugin: dump\n    source: [ . ]  # a flow list\n";

        var update = SnapcraftYamlUpdater.Apply("snapcraft.yaml", "base: core24\nparts:\n" + mysql + other, document);

        Assert.That(update.Text, Is.EqualTo(
            "base: core24\nparts:\n" + Indented(document, "mysql") + other + Indented(document, "mysql-patches")));
    }

    [Test]
    public void Should_warn_when_the_snap_builds_for_an_architecture_without_a_staged_tree()
    {
        using var directory = new TempDirectory();
        var document = PartWriter.Write(Inputs(directory, PartForm.Prebuilt) with { Architectures = ["amd64"] });
        var source = Document(directory, PartForm.Source);
        var withPatchesPart = SnapcraftYamlUpdater.Apply("snapcraft.yaml", Original, source).Text;

        var update = SnapcraftYamlUpdater.Apply("snapcraft.yaml", withPatchesPart, document);

        Assert.That(update.Warnings, Is.EqualTo(new[]
        {
            "snapcraft.yaml builds the snap for arm64, but the prebuilt part has no staged tree for it; "
                + "build it with --arch or drop arm64 from the snap",
            "snapcraft.yaml still has the part mysql-patches, which this form of the part does not use; "
                + "delete it unless another part is after it",
        }));
    }

    [TestCase("name: x\nbase: core24\napps: {}\n", "snapcraft.yaml has no 'parts' mapping")]
    [TestCase("name: x\nparts: [a, b]\n", "snapcraft.yaml:2:1: 'parts' is not a block mapping")]
    [TestCase("name: x\nparts: {mysql: {plugin: nil}}\n", "'parts' is not a block mapping")]
    [TestCase("name: x\nparts:\n  a: [\n", "snapcraft.yaml:4:1: not valid YAML")]
    [TestCase("- just\n- a list\n", "the top level is not a mapping of keys")]
    [TestCase("base: core24\nparts:\n  a:\n    plugin: nil\n---\nname: y\n", "holds more than one YAML document")]
    [TestCase("name: x\nbase: core22\nparts:\n  a:\n    plugin: nil\n",
        "snapcraft.yaml:2:7: the snap's base is core22, but the part is written for core24; "
        + "pass --base=core22 or set 'snap.base: core22' in the recipe.")]
    [TestCase("name: x\nbase: core20\nparts:\n  a:\n    plugin: nil\n",
        "the snap's base is core20, but the part is written for core24; "
        + "this build writes parts for core22 and core24.")]
    public void Should_refuse_a_file_it_cannot_update_and_say_why(string yaml, string expected)
    {
        using var directory = new TempDirectory();

        var error = Assert.Throws<UsageException>(
            () => SnapcraftYamlUpdater.Apply("snapcraft.yaml", yaml, Document(directory, PartForm.Source)));

        Assert.That(error!.Message, Does.Contain(expected));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Should_write_the_file_atomically_keeping_its_byte_order_mark_mode_and_link()
    {
        using var directory = new TempDirectory();
        var real = directory.Combine("project", "snap", "snapcraft.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllBytes(real, [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(Original)]);
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(real, mode);
        var link = directory.Combine("snapcraft.yaml");
        File.CreateSymbolicLink(link, real);
        var document = Document(directory, PartForm.Source);

        var update = SnapcraftYamlUpdater.Update(link, document);

        var bytes = File.ReadAllBytes(real);
        Assert.Multiple(() =>
        {
            Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(real));
            Assert.That(bytes[..3], Is.EqualTo(Encoding.UTF8.Preamble.ToArray()));
            Assert.That(Encoding.UTF8.GetString(bytes[3..]), Is.EqualTo(update.Text));
            Assert.That(File.GetUnixFileMode(real), Is.EqualTo(mode));
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(real)!), Is.EqualTo(new[] { real }), "no temp file");
            Assert.That(SnapcraftYamlUpdater.ProjectDirectory(real), Is.EqualTo(directory.Combine("project")));
        });
    }

    [Test]
    public void Should_say_how_to_fix_a_missing_file()
    {
        using var directory = new TempDirectory();

        var document = Document(directory, PartForm.Source);

        var error = Assert.Throws<UsageException>(
            () => SnapcraftYamlUpdater.Update(directory.Combine("snapcraft.yaml"), document));

        Assert.That(error!.Message, Does.Contain("does not exist; pass --snapcraft-yaml with the path"));
    }

    /// <summary>The parts written for the MySQL-shaped test recipe, under the names the application uses.</summary>
    private static PartDocument Document(TempDirectory directory, PartForm form) =>
        PartWriter.Write(Inputs(directory, form));

    /// <summary>The original with only this build's parts changed: MySQL in place, the patches last.</summary>
    private static string Expected(PartDocument document) =>
        Head + Indented(document, "mysql") + Middle + "\n" + Indented(document, "mysql-patches") + Tail;

    private static List<string> Keys(YamlMappingNode mapping) =>
        mapping.Children.Keys.Select(k => k.ToString()).ToList();

    private static PartInputs Inputs(TempDirectory directory, PartForm form) =>
        PartWriterTests.Inputs(directory, form, SnapBase.Core24, PartWriterTests.Recipe + "\n  part: mysql\n");

    private static string Indented(PartDocument document, string name) =>
        string.Concat(document.Parts.Single(p => p.Name == name).Text.TrimEnd('\n').Split('\n')
            .Select(line => (line.Length == 0 ? line : "  " + line) + "\n"));

    private static string Crlf(string text) => text.Replace("\n", "\r\n", StringComparison.Ordinal);

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));

        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
