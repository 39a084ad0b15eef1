using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using SnapBuild.Common;

namespace SnapBuild.Sources;

/// <summary>
/// Writes a git index (version 2) for files just unpacked, with each file's stat data, so git
/// sees the worktree as clean without hashing 1 GB of source again (<c>git update-index
/// --refresh</c> takes 8 s on MySQL). Stat data that does not match only makes git compare the
/// content, so a mistake here costs time, never a wrong answer.
/// </summary>
public static class GitIndexFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>
    /// Writes <c>&lt;root&gt;/.git/index</c> for <paramref name="entries"/>, whose files are under
    /// <paramref name="root"/>.
    /// </summary>
    public static void Write(string root, IReadOnlyList<IndexEntry> entries)
    {
        var sorted = entries
            .Select(e => (Entry: e, Name: Encoding.UTF8.GetBytes(e.Path)))
            .OrderBy(e => e.Name, ByteOrder.Instance)
            .ToList();

        // Entries changed in the second the index is written are smudged (size 0), as git does,
        // so a change later in that second cannot hide behind matching stat data.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var content = new MemoryStream();
        Span<byte> number = stackalloc byte[4];
        content.Write("DIRC"u8);
        WriteUInt32(content, 2);
        WriteUInt32(content, (uint)sorted.Count);
        var stat = new byte[256];
        foreach (var (entry, name) in sorted)
        {
            var path = Path.Combine(root, entry.Path);
            if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, stat) != 0)
            {
                throw new BuildException(
                    $"Could not read the file {path} just unpacked (errno {Marshal.GetLastPInvokeError()}).");
            }

            var mtime = BinaryPrimitives.ReadInt64LittleEndian(stat.AsSpan(112));
            WriteUInt32(content, (uint)BinaryPrimitives.ReadInt64LittleEndian(stat.AsSpan(96)));
            WriteUInt32(content, BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(104)));
            WriteUInt32(content, (uint)mtime);
            WriteUInt32(content, BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(120)));
            WriteUInt32(content, Device(
                BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(136)),
                BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(140))));
            WriteUInt32(content, (uint)BinaryPrimitives.ReadUInt64LittleEndian(stat.AsSpan(32)));
            WriteUInt32(content, Convert.ToUInt32(entry.Mode, 8));
            WriteUInt32(content, BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(20)));
            WriteUInt32(content, BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(24)));
            WriteUInt32(content, mtime >= now ? 0 : (uint)BinaryPrimitives.ReadUInt64LittleEndian(stat.AsSpan(40)));
            content.Write(Convert.FromHexString(entry.Id));
            BinaryPrimitives.WriteUInt16BigEndian(number, (ushort)Math.Min(name.Length, 0xfff));
            content.Write(number[..2]);
            content.Write(name);

            // 62 bytes before the name; the name ends with 1 to 8 NULs, to a multiple of 8.
            var length = 62 + name.Length;
            content.Write(new byte[8 - (length % 8)]);
        }

        // git's format, not a choice: the index ends with the SHA-1 of everything before it.
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(content.GetBuffer().AsSpan(0, (int)content.Length));
        content.Write(sha1.GetHashAndReset());
        var index = Path.Combine(root, ".git", "index");
        AtomicFile.WriteAllBytes(index, content.GetBuffer().AsSpan(0, (int)content.Length));
    }

    /// <summary>The low 32 bits of glibc's <c>makedev</c>, which is what git stores.</summary>
    private static uint Device(uint major, uint minor) =>
        ((major & 0xfff) << 8) | ((minor & 0xffffff00) << 12) | (minor & 0xff);

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    // statx's buffer has one layout on every architecture, unlike stat's.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(
        int directory,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        int flags,
        uint mask,
        [Out] byte[] buffer);
}
