namespace SnapBuild.Tests.Support;

/// <summary>An OpenPGP signing key of the tests' own, made with gpg in a throwaway home.</summary>
public sealed class TestSigner : IDisposable
{
    private readonly TempDirectory home = new("gnupg");

    public TestSigner(string name = "Release Manager")
    {
        Run("--quick-gen-key", $"{name} <release@example.invalid>", "ed25519", "sign", "never");
        var listing = Run("--with-colons", "--fingerprint", "--list-keys");
        Fingerprint = listing.Split('\n').First(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Split(':')[9];
        PublicKey = home.Combine("public.asc");
        File.WriteAllText(PublicKey, Run("--armor", "--export", Fingerprint));
    }

    public string Fingerprint { get; }

    /// <summary>The ASCII-armored public key.</summary>
    public string PublicKey { get; }

    /// <summary>Writes a detached, armored signature of <paramref name="file"/> to <c>file.asc</c>.</summary>
    public string Sign(string file)
    {
        Run("--armor", "--detach-sign", "--output", file + ".asc", file);

        return file + ".asc";
    }

    public void Dispose() => home.Dispose();

    private string Run(params string[] arguments) =>
        Shell.Run(home.Path, "gpg", ["--homedir", home.Path, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", .. arguments]);
}
