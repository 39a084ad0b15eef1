using System.Security.Cryptography;
using System.Text;

namespace SnapBuild.Common;

/// <summary>SHA-256 helpers for pins, locks and stage records.</summary>
public static class Hashing
{
    public static string Sha256OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);

        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string Sha256OfText(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A hash of several named parts, stable across runs; the names keep parts apart.</summary>
    public static string Combine(IEnumerable<KeyValuePair<string, string>> parts)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in parts)
        {
            text.Append(name).Append('\0').Append(value).Append('\n');
        }

        return Sha256OfText(text.ToString());
    }
}
