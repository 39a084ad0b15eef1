using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using SnapBuild.Common;

namespace SnapBuild.Sources;

/// <summary>
/// Writes git objects as one pack with its index (pack format 2, index version 2), the way
/// <c>git index-pack</c> leaves them: <c>objects/pack/pack-&lt;checksum&gt;.pack</c> and
/// <c>.idx</c>. Objects are compressed on the callers' threads and appended in turn, so one
/// sequential file replaces 60,000 small ones: MySQL's source would otherwise cost as many file
/// creations for its objects as for its worktree. The pack becomes visible to git only when its
/// index is renamed into place, after both files are whole and flushed to disk.
/// </summary>
internal sealed class PackWriter : IDisposable
{
    /// <summary>The bytes of a large object compressed on trial to judge whether compressing it pays.</summary>
    private const int SampleSize = 64 << 10;

    /// <summary>zlib's stream for no bytes at level 1: header, an empty final block, the Adler-32 of nothing.</summary>
    private static readonly byte[] EmptyZlib = [0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];

    private readonly string packDirectory;
    private readonly string temporaryPack;
    private readonly DirectFile pack;
    private readonly Lock gate = new();
    private readonly Dictionary<string, (long Offset, uint Crc)> objects = new(StringComparer.Ordinal);
    private readonly byte[] piece = new byte[1 << 20];

    /// <summary>The compressed sample of <see cref="LevelFor"/>, reused under the pack's lock.</summary>
    private readonly MemoryStream trial = new();
    private bool finished;

    public PackWriter(string objectsDirectory)
    {
        packDirectory = Path.Combine(objectsDirectory, "pack");
        Directory.CreateDirectory(packDirectory);
        Leftovers.RemoveDead(packDirectory, "tmp_snap_build_", ".pack");
        Leftovers.RemoveDead(packDirectory, "tmp_snap_build_", ".idx");
        temporaryPack = Path.Combine(packDirectory, $"tmp_snap_build_{Environment.ProcessId}.pack");
        pack = new DirectFile(temporaryPack);

        // The object count is filled in by Finish, once it is known.
        pack.Write(Header(0));
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return objects.Count;
            }
        }
    }

    /// <summary>Hashes and compresses an object, and appends it unless the pack has it already.</summary>
    /// <param name="scratch">
    /// The caller's buffer for the compressed bytes, reused from one object to the next; null for
    /// a buffer of this call's own.
    /// </param>
    /// <returns>The object's id.</returns>
    public string Add(string type, ReadOnlyMemory<byte> content, MemoryStream? scratch = null) =>
        Add(type, [content], content.Length, scratch);

    /// <summary>The same, for content held in pieces (large files come in 1 MiB buffers).</summary>
    public string Add(
        string type,
        IReadOnlyList<ReadOnlyMemory<byte>> pieces,
        long length,
        MemoryStream? scratch = null)
    {
        var header = Encoding.ASCII.GetBytes($"{type} {length}\0");
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(header);
        foreach (var piece in pieces)
        {
            sha1.AppendData(piece.Span);
        }

        var id = Convert.ToHexStringLower(sha1.GetHashAndReset());
        lock (gate)
        {
            if (objects.ContainsKey(id))
            {
                return id;
            }
        }

        var entry = scratch ?? new MemoryStream();
        entry.SetLength(0);
        WriteEntryHeader(entry, TypeCode(type), length);
        if (length == 0)
        {
            // ZLibStream writes nothing at all for no input; git needs a whole zlib stream.
            entry.Write(EmptyZlib);
        }
        else
        {
            using var zlib = new ZLibStream(entry, CompressionLevel.Fastest, leaveOpen: true);
            foreach (var piece in pieces)
            {
                zlib.Write(piece.Span);
            }
        }

        var bytes = entry.GetBuffer().AsSpan(0, (int)entry.Length);
        var crc = Crc32.HashToUInt32(bytes);
        lock (gate)
        {
            if (finished || objects.ContainsKey(id))
            {
                return id;
            }

            try
            {
                objects[id] = (pack.Length, crc);
                pack.Write(bytes);
            }
            catch (IOException exception)
            {
                objects.Remove(id);
                throw new BuildException($"Could not write the pack {temporaryPack}: {exception.Message}", exception);
            }
        }

        return id;
    }

    /// <summary>
    /// Adds an object read from <paramref name="source"/> in 1 MiB pieces, compressing it straight
    /// into the pack, so a large file is never held whole in memory. The pack is this call's
    /// alone meanwhile; an object the pack has already is cut off again.
    /// </summary>
    /// <param name="alsoWrite">Given each piece as it is read (to unpack the file at once), or null.</param>
    /// <returns>The object's id.</returns>
    public string AddStream(string type, Stream source, long length, Action<ReadOnlySpan<byte>>? alsoWrite)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"{type} {length}\0"));
        lock (gate)
        {
            var offset = pack.Length;
            try
            {
                var crc = new Crc32();
                using (var counted = new CrcStream(pack, crc))
                {
                    WriteEntryHeader(counted, TypeCode(type), length);
                    ZLibStream? zlib = null;
                    try
                    {
                        for (long done = 0; done < length;)
                        {
                            var read = source.ReadAtLeast(
                                piece, (int)Math.Min(piece.Length, length - done), throwOnEndOfStream: false);
                            if (read == 0)
                            {
                                throw new EndOfStreamException($"the stream ended after {done} of {length} bytes");
                            }

                            zlib ??= new ZLibStream(counted, LevelFor(piece.AsSpan(0, read)), leaveOpen: true);
                            sha1.AppendData(piece, 0, read);
                            zlib.Write(piece, 0, read);
                            alsoWrite?.Invoke(piece.AsSpan(0, read));
                            done += read;
                        }
                    }
                    finally
                    {
                        zlib?.Dispose();
                    }
                }

                var id = Convert.ToHexStringLower(sha1.GetHashAndReset());
                if (objects.ContainsKey(id))
                {
                    pack.Truncate(offset);
                }
                else
                {
                    objects[id] = (offset, crc.GetCurrentHashAsUInt32());
                }

                return id;
            }
            catch (IOException exception) when (exception is not EndOfStreamException)
            {
                throw new BuildException($"Could not write the pack {temporaryPack}: {exception.Message}", exception);
            }
        }
    }

    /// <summary>
    /// The compression for a large object, judged by its first bytes: none when a trial of
    /// <see cref="SampleSize"/> bytes shrinks by less than a tenth. MySQL's large files are mostly
    /// zip archives of test data (350 of its 450 MB in files over 1 MiB); compressing them again
    /// took 4 s of the reading thread for a pack 8 % smaller.
    /// </summary>
    private CompressionLevel LevelFor(ReadOnlySpan<byte> start)
    {
        var sample = start[..Math.Min(start.Length, SampleSize)];
        trial.SetLength(0);
        using (var zlib = new ZLibStream(trial, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(sample);
        }

        return trial.Length * 10 > sample.Length * 9L ? CompressionLevel.NoCompression : CompressionLevel.Fastest;
    }

    /// <summary>Completes the pack and its index and moves both into place.</summary>
    public void Finish()
    {
        lock (gate)
        {
            finished = true;
        }

        try
        {
            // The count heads the pack, so its checksum needs one more read of the file, as git's
            // own fix-up of a streamed pack's header does.
            var checksum = pack.Complete(Header((uint)objects.Count));
            pack.Close(checksum);

            var name = "pack-" + Convert.ToHexStringLower(checksum);
            var index = IndexBytes(checksum);
            var temporaryIndex = Path.Combine(packDirectory, $"tmp_snap_build_{Environment.ProcessId}.idx");
            using (var file = new FileStream(temporaryIndex, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(index);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporaryPack, Path.Combine(packDirectory, name + ".pack"), overwrite: true);
            File.Move(temporaryIndex, Path.Combine(packDirectory, name + ".idx"), overwrite: true);
        }
        catch (IOException exception)
        {
            throw new BuildException($"Could not finish the pack {temporaryPack}: {exception.Message}", exception);
        }
    }

    public void Dispose()
    {
        pack.Dispose();
        if (File.Exists(temporaryPack))
        {
            File.Delete(temporaryPack);
        }
    }

    private byte[] IndexBytes(byte[] packChecksum)
    {
        var sorted = objects
            .Select(o => (Id: Convert.FromHexString(o.Key), o.Value.Offset, o.Value.Crc))
            .OrderBy(o => o.Id, ByteOrder.Instance)
            .ToList();
        using var index = new MemoryStream();
        index.Write([0xff, (byte)'t', (byte)'O', (byte)'c']);
        WriteUInt32(index, 2);
        var fanout = new uint[256];
        foreach (var (id, _, _) in sorted)
        {
            fanout[id[0]]++;
        }

        uint running = 0;
        foreach (var count in fanout)
        {
            running += count;
            WriteUInt32(index, running);
        }

        foreach (var (id, _, _) in sorted)
        {
            index.Write(id);
        }

        foreach (var (_, _, crc) in sorted)
        {
            WriteUInt32(index, crc);
        }

        var large = new List<long>();
        foreach (var (_, offset, _) in sorted)
        {
            if (offset < 0x80000000L)
            {
                WriteUInt32(index, (uint)offset);
            }
            else
            {
                WriteUInt32(index, 0x80000000u | (uint)large.Count);
                large.Add(offset);
            }
        }

        Span<byte> wide = stackalloc byte[8];
        foreach (var offset in large)
        {
            BinaryPrimitives.WriteUInt64BigEndian(wide, (ulong)offset);
            index.Write(wide);
        }

        index.Write(packChecksum);
        index.Write(SHA1Of(index.GetBuffer().AsSpan(0, (int)index.Length)));

        return index.ToArray();
    }

    /// <summary>A pack's first 12 bytes: the signature, version 2, the object count.</summary>
    private static byte[] Header(uint count)
    {
        var header = new byte[12];
        "PACK"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), count);

        return header;
    }

    private static int TypeCode(string type) => type switch
    {
        "commit" => 1,
        "tree" => 2,
        "blob" => 3,
        "tag" => 4,
        _ => throw new ArgumentException($"not a git object type: {type}", nameof(type)),
    };

    /// <summary>Type and size: 3 bits of type and 4 of size first, then 7 bits of size a byte.</summary>
    private static void WriteEntryHeader(Stream stream, int type, long size)
    {
        var first = (byte)((type << 4) | (int)(size & 0x0f));
        size >>= 4;
        if (size > 0)
        {
            first |= 0x80;
        }

        stream.WriteByte(first);
        while (size > 0)
        {
            var next = (byte)(size & 0x7f);
            size >>= 7;
            stream.WriteByte(size > 0 ? (byte)(next | 0x80) : next);
        }
    }

    // git's formats, not a choice: a pack and its index end with SHA-1 checksums.
    private static byte[] SHA1Of(ReadOnlySpan<byte> bytes)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(bytes);

        return sha1.GetHashAndReset();
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    /// <summary>Passes writes on to a stream, adding them to a CRC-32 on the way.</summary>
    private sealed class CrcStream(DirectFile inner, Crc32 crc) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            crc.Append(buffer);
            inner.Write(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
