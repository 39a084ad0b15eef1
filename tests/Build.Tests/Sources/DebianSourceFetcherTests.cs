using SnapBuild.Common;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Sources;

public class DebianSourceFetcherTests
{
    [Test]
    public void Should_derive_deb_src_entries_for_the_suite_from_the_machines_sources()
    {
        using var apt = new TempDirectory();
        apt.Write("sources.list.d/debian.sources", """
            Types: deb
            URIs: http://archive.example.invalid/debian
            Suites: bookworm bookworm-updates
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            Types: deb
            URIs: http://security.example.invalid/debian-security
            Suites: bookworm-security
            Components: main

            """);
        var fetcher = new DebianSourceFetcher(new CacheLayout(apt.Combine("cache")), new CollectingLog(), apt.Path);

        var entries = fetcher.DeriveSourceEntries("sid");

        Assert.That(entries, Is.EqualTo("""
            Types: deb-src
            URIs: http://archive.example.invalid/debian
            Suites: sid
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg


            """.Replace("\r", string.Empty, StringComparison.Ordinal)));
    }

    [Test]
    public void Should_say_where_it_looked_when_no_archive_is_configured()
    {
        using var apt = new TempDirectory();
        var fetcher = new DebianSourceFetcher(new CacheLayout(apt.Combine("cache")), new CollectingLog(), apt.Path);

        var error = Assert.Throws<SourceUnavailableException>(() => fetcher.DeriveSourceEntries("sid"));

        Assert.That(error!.Message, Does.Contain($"no Debian archive is configured in {apt.Path}"));
    }

    [TestCase("9.7.2-4", "9.7.2")]
    [TestCase("1:2.3-1+b2", "2.3")]
    [TestCase("1.0", "1.0")]
    [TestCase("2.0-rc1-3", "2.0-rc1")]
    public void Should_take_the_upstream_part_of_a_debian_version(string version, string expected) =>
        Assert.That(DebianSourceFetcher.UpstreamVersion(version), Is.EqualTo(expected));
}
