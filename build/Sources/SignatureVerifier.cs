using System.Text;
using SnapBuild.Common;

namespace SnapBuild.Sources;

/// <summary>
/// Checks a release tarball's detached OpenPGP signature with <c>gpgv</c> against the public
/// key kept in the repository, as Debian's uscan does, and insists that the good signature is
/// by the key whose fingerprint the recipe names. Anything else stops the run.
/// </summary>
public sealed class SignatureVerifier
{
    private readonly string keyFile;
    private readonly string fingerprint;
    private readonly string scratch;

    public SignatureVerifier(string keyFile, string fingerprint, string scratchDirectory)
    {
        this.keyFile = keyFile;
        this.fingerprint = Normalise(fingerprint);
        scratch = scratchDirectory;
    }

    public static string Normalise(string fingerprint) =>
        fingerprint.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="file"/>; throws when it is not good.</summary>
    public void Verify(string file, string? signature, string what, CancellationToken cancellationToken)
    {
        if (signature is null || !File.Exists(signature))
        {
            throw new BuildException(
                $"The signature of {what} is missing{(signature is null ? string.Empty : $" ({signature})")}; "
                + "a tarball is used only with a good signature by " + fingerprint + ".");
        }

        if (Toolchains.Toolchain.Which("gpgv") is null)
        {
            throw new BuildException("Verifying signatures needs `gpgv`; install it with `sudo apt-get install gpgv`.");
        }

        Directory.CreateDirectory(scratch);
        var keyring = Path.Combine(scratch, $"keyring-{Environment.ProcessId}.gpg");
        File.WriteAllBytes(keyring, Dearmor(keyFile));
        try
        {
            var result = ProcessRunner.Run(
                new ProcessSpec("gpgv", ["--status-fd", "1", "--keyring", keyring, signature, file])
                {
                    Environment = new Dictionary<string, string?> { ["LC_ALL"] = "C" },
                },
                cancellationToken);
            var valid = result.StandardOutput.Split('\n')
                .Where(l => l.StartsWith("[GNUPG:] VALIDSIG ", StringComparison.Ordinal))
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .ToList();
            if (result.ExitCode == 0 && valid.Any(f => f[2] == fingerprint || f[^1] == fingerprint))
            {
                return;
            }

            var why = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Replace("gpgv: ", string.Empty, StringComparison.Ordinal).Trim())
                .LastOrDefault() ?? $"gpgv exited with {result.ExitCode}";
            var signer = valid.Count > 0 ? $" (it is signed by {valid[0][2]})" : string.Empty;

            throw new BuildException(
                $"The signature {Path.GetFileName(signature)} of {what} is not a good signature by {fingerprint}"
                + $"{signer}: {why.TrimEnd('.')}; the tarball is not used.");
        }
        finally
        {
            File.Delete(keyring);
        }
    }

    /// <summary>The binary key packets of an ASCII-armored key file (gpgv reads only binary keyrings).</summary>
    public static byte[] Dearmor(string path)
    {
        var text = File.ReadAllText(path);
        if (!text.Contains("-----BEGIN PGP PUBLIC KEY BLOCK-----", StringComparison.Ordinal))
        {
            return File.ReadAllBytes(path);
        }

        var body = new StringBuilder();
        var inBlock = false;
        var pastHeaders = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("-----BEGIN PGP PUBLIC KEY BLOCK", StringComparison.Ordinal))
            {
                inBlock = true;
                pastHeaders = false;
                continue;
            }

            if (!inBlock)
            {
                continue;
            }

            if (line.StartsWith("-----END", StringComparison.Ordinal))
            {
                inBlock = false;
                continue;
            }

            if (!pastHeaders)
            {
                pastHeaders = line.Length == 0;
                if (!pastHeaders && !line.Contains(':', StringComparison.Ordinal))
                {
                    pastHeaders = true;
                    body.Append(line);
                }

                continue;
            }

            if (line.StartsWith('='))
            {
                continue;
            }

            body.Append(line);
        }

        try
        {
            return Convert.FromBase64String(body.ToString());
        }
        catch (FormatException exception)
        {
            throw new UsageException($"The signing key {path} is not a valid ASCII-armored OpenPGP key.", exception);
        }
    }
}
