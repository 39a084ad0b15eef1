using SnapBuild.Common;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Sources;

public class SignatureVerifierTests
{
    [Test]
    public void Should_accept_a_good_signature_by_the_named_key()
    {
        using var signer = new TestSigner();
        using var directory = new TempDirectory();
        var file = directory.Write("release.tar.gz", "release bytes");
        var signature = signer.Sign(file);

        Assert.That(() => Verifier(signer, directory).Verify(file, signature, "the release", default), Throws.Nothing);
    }

    [Test]
    public void Should_refuse_a_signature_over_other_bytes()
    {
        using var signer = new TestSigner();
        using var directory = new TempDirectory();
        var file = directory.Write("release.tar.gz", "release bytes");
        var signature = signer.Sign(file);
        File.AppendAllText(file, "tampered");

        var error = Refusal(signer, directory, file, signature);

        Assert.That(
            error.Message,
            Does.StartWith("The signature release.tar.gz.asc of the release is not a good signature by ")
                .And.Contain(signer.Fingerprint)
                .And.Contain("BAD signature")
                .And.EndWith("the tarball is not used."));
    }

    [Test]
    public void Should_refuse_a_good_signature_by_another_key()
    {
        using var signer = new TestSigner();
        using var stranger = new TestSigner("Somebody Else");
        using var directory = new TempDirectory();
        var file = directory.Write("release.tar.gz", "release bytes");
        var signature = stranger.Sign(file);

        var error = Refusal(signer, directory, file, signature);

        Assert.That(error.Message, Does.Contain($"not a good signature by {signer.Fingerprint}"));
    }

    [Test]
    public void Should_refuse_a_missing_signature()
    {
        using var signer = new TestSigner();
        using var directory = new TempDirectory();
        var file = directory.Write("release.tar.gz", "release bytes");

        var error = Refusal(signer, directory, file, null);

        Assert.That(error.Message, Does.StartWith("The signature of the release is missing"));
    }

    [Test]
    public void Should_dearmor_the_projects_mysql_key_to_the_binary_key_gpgv_reads()
    {
        var key = Path.Combine(Fixtures.RepositoryRoot, "recipes", "keys", "mysql-release-engineering.asc");

        var binary = SignatureVerifier.Dearmor(key);

        Assert.Multiple(() =>
        {
            Assert.That(binary[0] & 0x80, Is.EqualTo(0x80), "an OpenPGP packet tag");
            // New-format packets keep the tag in the low six bits, old-format ones in bits 2 to 5.
            var tag = (binary[0] & 0x40) != 0 ? binary[0] & 0x3f : (binary[0] >> 2) & 0x0f;
            Assert.That(tag, Is.EqualTo(6), "a public-key packet");
        });
    }

    [Test]
    public void Should_verify_a_signed_tarball_source_before_importing_it()
    {
        using var upstream = new TestUpstream();
        using var signer = new TestSigner();
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("demo-1.0.0.tar.gz");
        upstream.ArchiveFirstTag(tarball);
        signer.Sign(tarball);
        var sha = Hashing.Sha256OfFile(tarball);
        using var good = new DemoProject(upstream, $"    - tarball: {tarball}\n      sha256: {sha}\n");
        Sign(good, signer);
        using var unsigned = new DemoProject(
            upstream, $"    - tarball: {tarball}\n      sha256: {sha}\n      signature: {tarball}.missing\n");
        Sign(unsigned, signer);

        var release = good.Pipeline().Clone();
        var error = Assert.Throws<BuildException>(() => unsigned.Pipeline().Clone());

        Assert.Multiple(() =>
        {
            Assert.That(release.Source, Is.EqualTo($"tarball {tarball}"));
            Assert.That(good.Log.Lines, Has.Some.Contains($"good signature by {signer.Fingerprint}"));
            Assert.That(error!.Message, Does.StartWith($"The signature {tarball}.missing could not be fetched"));
            Assert.That(
                Directory.Exists(unsigned.Source), Is.False, "nothing is checked out from an unverified tarball");
        });
    }

    [Test]
    public void Should_leave_no_pack_and_no_worktree_when_the_signature_checked_during_the_import_is_bad()
    {
        using var upstream = new TestUpstream();
        using var signer = new TestSigner();
        using var scratch = new TempDirectory();
        var tarball = scratch.Combine("demo-1.0.0.tar.gz");
        upstream.ArchiveFirstTag(tarball);
        var other = scratch.Write("other.tar.gz", "other bytes");
        var wrong = signer.Sign(other);
        var sha = Hashing.Sha256OfFile(tarball);
        using var project = new DemoProject(
            upstream, $"    - tarball: {tarball}\n      sha256: {sha}\n      signature: {wrong}\n");
        Sign(project, signer);

        var error = Assert.Throws<BuildException>(() => project.Pipeline().Clone());

        var mirrors = Path.Combine(project.CacheDirectory, "mirrors");
        var packs = Directory.Exists(mirrors)
            ? Directory.GetFiles(mirrors, "*.pack", SearchOption.AllDirectories)
            : [];
        var left = Directory.Exists(Path.GetDirectoryName(project.Source))
            ? Directory.GetDirectories(Path.GetDirectoryName(project.Source)!)
            : [];
        Assert.Multiple(() =>
        {
            Assert.That(
                error!.Message, Does.Contain("is not a good signature by").And.EndWith("the tarball is not used."));
            Assert.That(packs, Is.Empty, "the pack written meanwhile is dropped");
            Assert.That(left, Is.Empty, "neither the worktree nor the folder it was unpacked into is left");
            Assert.That(project.Log.Lines, Has.None.Contains("good signature"));
        });
    }

    private static BuildException Refusal(TestSigner signer, TempDirectory directory, string file, string? signature) =>
        Assert.Throws<BuildException>(
            () => Verifier(signer, directory).Verify(file, signature, "the release", default))!;

    private static SignatureVerifier Verifier(TestSigner signer, TempDirectory directory) =>
        new(signer.PublicKey, signer.Fingerprint, directory.Combine("tmp"));

    private static void Sign(DemoProject project, TestSigner signer)
    {
        var key = Path.Combine(project.Root, "recipes", "keys", "release.asc");
        Directory.CreateDirectory(Path.GetDirectoryName(key)!);
        File.Copy(signer.PublicKey, key);
        var recipe = File.ReadAllText(project.RecipePath).Replace(
            "  sources:\n",
            $"  signing-key: recipes/keys/release.asc\n  signing-fingerprint: {signer.Fingerprint}\n  sources:\n",
            StringComparison.Ordinal);
        File.WriteAllText(project.RecipePath, recipe);
    }
}
