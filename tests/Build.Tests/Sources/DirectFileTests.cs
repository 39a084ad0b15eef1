using System.Security.Cryptography;
using SnapBuild.Sources;
using SnapBuild.Tests.Support;

namespace SnapBuild.Tests.Sources;

public class DirectFileTests
{
    [TestCase(100, 0, true)]
    [TestCase(5000, 4000, true)]
    [TestCase(9_000_000, 8_000_000, true)]
    [TestCase(9_000_000, 2_000_000, true)]
    [TestCase(9_000_000, 4_194_304, true)]
    [TestCase(9_000_000, 2_000_000, false)]
    public void Should_hold_what_was_appended_after_a_cut_with_the_header_replaced(
        int written, int cutTo, bool bypassCache)
    {
        using var directory = new TempDirectory();
        var path = directory.Combine("file.pack");
        var bytes = new byte[written + 3000];
        new Random(written).NextBytes(bytes);
        var expected = bytes[..cutTo].Concat(bytes[written..]).ToArray();
        "HEAD"u8.CopyTo(expected);

        byte[] checksum;
        bool direct;
        using (var file = new DirectFile(path, bypassCache))
        {
            // Appends of uneven sizes, across the 4 MiB buffer, then a cut and more appends.
            for (var at = 0; at < written;)
            {
                var part = Math.Min(written - at, 1 + (at % 700_001));
                file.Write(bytes.AsSpan(at, part));
                at += part;
            }

            file.Truncate(cutTo);
            file.Write(bytes.AsSpan(written));
            checksum = file.Complete("HEAD"u8);
            file.Close("tail"u8);
            direct = file.Direct;
        }

        var onDisk = File.ReadAllBytes(path);
        Assert.Multiple(() =>
        {
            Assert.That(onDisk, Is.EqualTo(expected.Concat("tail"u8.ToArray()).ToArray()));
            Assert.That(checksum, Is.EqualTo(Sha1(expected)));
            // Asked for the page cache, it must not bypass it; asked to bypass it on a file system
            // that takes O_DIRECT, it must, or a broken open() would fall back unseen.
            Assert.That(direct, Is.EqualTo(bypassCache && TakesDirectIo(directory.Path)));
        });
    }

    /// <summary>
    /// Whether the folder's file system is one of Linux's disk file systems, which all take O_DIRECT.
    /// </summary>
    private static bool TakesDirectIo(string folder) =>
        Shell.Run(folder, "stat", "-f", "-c", "%T", ".").Trim() is "ext2/ext3" or "xfs" or "btrfs";

    // What a pack's trailer holds; git's format, not a choice.
    private static byte[] Sha1(byte[] bytes)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(bytes);

        return sha1.GetHashAndReset();
    }
}
