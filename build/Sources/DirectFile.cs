using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SnapBuild.Sources;

/// <summary>
/// An append-only file written around the page cache (<c>O_DIRECT</c>) through an aligned
/// buffer, for the import's pack: written once, read back once for its checksum, and rarely
/// read after. Through the page cache, every page of it was a fresh page to allocate, and on a
/// virtual machine whose free memory goes back to the host that costs more than the disk: 600 MB
/// written with dd took 1.7-2.2 s of system time buffered and 0.07-0.14 s direct on the machine
/// of BENCHMARKS.md. Where the file system refuses <c>O_DIRECT</c> (tmpfs before Linux 6.6), or
/// on another system, the same writes go through the page cache.
/// </summary>
internal sealed class DirectFile : IDisposable
{
    /// <summary>
    /// The alignment <c>O_DIRECT</c> asks of offsets, lengths and buffers (a page covers every disk's).
    /// </summary>
    private const int Alignment = 4096;

    /// <summary>The buffer gathering appends; whole blocks of it are written at once.</summary>
    private const int BufferSize = 4 << 20;

    // open(2)'s flags, the same on every Linux architecture but O_DIRECT's.
    private const int OpenReadWrite = 0x2;

    private const int OpenCreate = 0x40;

    private const int OpenTruncate = 0x200;

    private const int OpenCloseOnExec = 0x80000;

    private readonly byte[] storage;
    private readonly int start;
    private readonly SafeFileHandle handle;

    /// <summary>Where in the file the buffer's first byte goes; always a multiple of the alignment.</summary>
    private long bufferOffset;

    /// <summary>The bytes of the buffer in use.</summary>
    private int used;

    /// <param name="path">The file, created or emptied.</param>
    /// <param name="bypassCache">False to write through the page cache all the same (for the tests).</param>
    public DirectFile(string path, bool bypassCache = true)
    {
        Path = path;
        storage = GC.AllocateUninitializedArray<byte>(BufferSize + Alignment, pinned: true);
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(storage, 0).ToInt64();
        start = (int)((Alignment - (address % Alignment)) % Alignment);
        (handle, Direct) = Create(path, bypassCache);
    }

    public string Path { get; }

    /// <summary>Whether the writes bypass the page cache.</summary>
    public bool Direct { get; }

    /// <summary>The file's length as appended so far.</summary>
    public long Length => bufferOffset + used;

    private Span<byte> Buffer => storage.AsSpan(start, BufferSize);

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var part = Math.Min(bytes.Length, BufferSize - used);
            bytes[..part].CopyTo(Buffer[used..]);
            used += part;
            bytes = bytes[part..];
            if (used == BufferSize)
            {
                RandomAccess.Write(handle, Buffer, bufferOffset);
                bufferOffset += BufferSize;
                used = 0;
            }
        }
    }

    /// <summary>Cuts the file back to <paramref name="length"/>, for an object found to be there already.</summary>
    public void Truncate(long length)
    {
        if (length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "beyond the end");
        }

        if (length >= bufferOffset)
        {
            used = (int)(length - bufferOffset);

            return;
        }

        // Written already: the block holding the new end is read back to go on from there.
        var block = length / Alignment * Alignment;
        var read = RandomAccess.Read(handle, Buffer[..Alignment], block);
        if (read < length - block)
        {
            throw new IOException($"{Path} ended at {block + read} bytes, before {length}");
        }

        bufferOffset = block;
        used = (int)(length - block);
    }

    /// <summary>
    /// Writes what is buffered and replaces <paramref name="header"/>'s bytes at the file's start
    /// (the pack's object count), then returns the SHA-1 of the whole file as written.
    /// </summary>
    public byte[] Complete(ReadOnlySpan<byte> header)
    {
        var length = Length;
        FlushBuffer();

        // The first block again, with the header's new bytes.
        var first = (int)Math.Min(Alignment, length);
        var read = RandomAccess.Read(handle, Buffer[..Alignment], 0);
        if (read < first)
        {
            throw new IOException($"{Path} ended at {read} bytes, before {first}");
        }

        header.CopyTo(Buffer);
        Buffer[first..Alignment].Clear();
        RandomAccess.Write(handle, Buffer[..Alignment], 0);
        RandomAccess.SetLength(handle, length);

        using var sha1 = System.Security.Cryptography.IncrementalHash.CreateHash(
            System.Security.Cryptography.HashAlgorithmName.SHA1);
        for (long offset = 0; offset < length;)
        {
            var got = RandomAccess.Read(handle, Buffer, offset);
            if (got <= 0)
            {
                throw new IOException($"{Path} ended at {offset} bytes, before {length}");
            }

            sha1.AppendData(Buffer[..(int)Math.Min(got, length - offset)]);
            offset += got;
        }

        bufferOffset = length / Alignment * Alignment;
        used = 0;

        return sha1.GetHashAndReset();
    }

    /// <summary>Appends the last bytes (the checksum) through the page cache and flushes the file to disk.</summary>
    public void Close(ReadOnlySpan<byte> trailer)
    {
        handle.Dispose();
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.None, 1);
        file.Position = file.Length;
        file.Write(trailer);
        file.Flush(flushToDisk: true);
    }

    public void Dispose() => handle.Dispose();

    /// <summary>Writes the buffer's whole blocks and its last partial one, padded; the length is set after.</summary>
    private void FlushBuffer()
    {
        if (used == 0)
        {
            return;
        }

        var padded = (used + Alignment - 1) / Alignment * Alignment;
        Buffer[used..padded].Clear();
        RandomAccess.Write(handle, Buffer[..padded], bufferOffset);
        RandomAccess.SetLength(handle, bufferOffset + used);
    }

    private static (SafeFileHandle Handle, bool Direct) Create(string path, bool bypassCache)
    {
        var direct = bypassCache ? DirectFlag() : 0;
        if (direct != 0)
        {
            var descriptor = open(path, OpenReadWrite | OpenCloseOnExec | OpenCreate | OpenTruncate | direct, 0x1a4);
            if (descriptor >= 0)
            {
                return (new SafeFileHandle(descriptor, ownsHandle: true), true);
            }

            // EINVAL: the file system does no direct I/O; any other failure File.OpenHandle reports below.
        }

        return (File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None), false);
    }

    /// <summary>O_DIRECT, whose value differs between architectures; 0 where it is not used.</summary>
    private static int DirectFlag() => !OperatingSystem.IsLinux()
        ? 0
        : RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 => 0x4000,
            Architecture.Arm64 or Architecture.Arm => 0x10000,
            _ => 0,
        };

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
}
