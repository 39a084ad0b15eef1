using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Threading.Channels;
using SnapBuild.Common;

namespace SnapBuild.Sources;

/// <summary>
/// Reads a release tarball once, as a stream, and writes its content straight into a git object
/// directory: a blob per file, the trees, and one commit. No unpacked copy touches the disk.
/// Hashing and compressing run on every core while the stream is read, and the bytes held in
/// memory at once are bounded, so MySQL's 1.3 GB of source imports in seconds and in a few
/// dozen megabytes.
/// </summary>
/// <remarks>
/// The objects are those <c>git add --all --force</c> and <c>git commit-tree</c> make of the
/// unpacked tree: blobs of the bytes as they are, mode 100755 where the owner may execute,
/// 120000 for symbolic links, a single top folder left out, empty folders dropped. So a tarball
/// gives the same commit id it gave before this importer replaced them.
/// </remarks>
public static class TarballTree
{
    /// <summary>Bytes of file content read ahead of the workers, counted as the buffers' sizes.</summary>
    private const int InFlightBudget = 8 << 20;

    /// <summary>
    /// Files larger than this (94 of MySQL's, 450 MB) are packed while they are read, never held whole.
    /// </summary>
    private const long StreamedFileSize = 1 << 20;

    /// <summary>
    /// Files are handed to the workers in batches of up to this many bytes or
    /// <see cref="BatchFiles"/> files: one hand-off per file (59,000 for MySQL) kept the thread
    /// pool waking and spinning, 470,000 sched_yield calls and most of the import's system time.
    /// </summary>
    private const long BatchBytes = 512 << 10;

    private const int BatchFiles = 64;

    /// <summary>Buffers up to this size are reused; larger files (a few hundred in MySQL) get their own.</summary>
    private const int PooledBufferLimit = 1 << 20;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The figures of one import, for the log.</summary>
    /// <param name="Unpacked">
    /// With <c>unpackInto</c>: the folder holding the files as the commit's tree has them (the
    /// single top folder when it was left out), and the entries an index needs.
    /// </param>
    public sealed record Figures(
        string Commit,
        int Files,
        long Bytes,
        int ObjectsWritten,
        (string Root, IReadOnlyList<IndexEntry> Entries)? Unpacked);

    /// <summary>Imports <paramref name="tarball"/> into <paramref name="objectsDirectory"/>.</summary>
    /// <param name="identity">Author and committer, as <c>Name &lt;email&gt;</c>.</param>
    /// <param name="message">The commit message, without its final newline.</param>
    /// <param name="unpackInto">
    /// A new folder to write the files into as well, from the same read of the tarball, so a
    /// fresh worktree costs no checkout; null to write objects only.
    /// </param>
    /// <param name="beforePublish">Called before the pack is moved into place; it throws to drop the pack.</param>
    public static Figures Import(
        string tarball,
        string objectsDirectory,
        string identity,
        string message,
        CancellationToken cancellationToken,
        string? unpackInto = null,
        Action? beforePublish = null)
    {
        using var writer = new PackWriter(objectsDirectory);
        var files = new Dictionary<string, TreeEntry>(StringComparer.Ordinal);
        var hardLinks = new List<(TreeEntry Original, string Copy)>();
        long newest = 0;
        long bytes = 0;
        var budget = new ByteBudget(InFlightBudget);
        var made = new Folders();
        var buffers = new BufferPool(InFlightBudget);
        var jobs = Channel.CreateBounded<List<BlobJob>>(new BoundedChannelOptions(Environment.ProcessorCount * 4)
        {
            SingleWriter = true,
        });
        // A worker that fails (a full disk) stops the reading through this source; its error is the one reported.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount))
            .Select(_ => Task.Run(
                () => HashAndWrite(jobs.Reader, writer, budget, buffers, made, stop),
                CancellationToken.None))
            .ToArray();
        var batch = new List<BlobJob>();

        try
        {
            using (var input = Decompressed(tarball, out var decompressor))
            using (decompressor)
            {
                using var reader = new TarReader(input);
                while (reader.GetNextEntry(copyData: false) is { } entry)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    var path = EntryPath(tarball, entry.Name);
                    if (path is null)
                    {
                        continue;
                    }

                    // The last of several entries for one path wins, as with tar; the files being
                    // unpacked by several workers at once cannot promise that order.
                    if (unpackInto is not null && files.ContainsKey(path))
                    {
                        throw new DuplicateEntryException(tarball, entry.Name);
                    }

                    switch (entry.EntryType)
                    {
                        case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        {
                            var length = entry.Length;
                            var executable = (entry.Mode & UnixFileMode.UserExecute) != 0;
                            var blob = new TreeEntry(executable ? "100755" : "100644", Unpacked(unpackInto, path));
                            files[path] = blob;
                            if (length > StreamedFileSize)
                            {
                                // A large file is hashed, packed and unpacked as it is read.
                                blob.Id = Streamed(writer, entry.DataStream!, length, blob, made);
                            }
                            else
                            {
                                var content = buffers.Read(entry.DataStream, length);
                                Post(jobs.Writer, budget, ref batch, new BlobJob(content, blob), stop.Token);
                            }

                            newest = Math.Max(newest, entry.ModificationTime.ToUnixTimeSeconds());
                            bytes += length;
                            break;
                        }

                        case TarEntryType.SymbolicLink:
                        {
                            var link = new TreeEntry("120000", Unpacked(unpackInto, path));
                            files[path] = link;
                            var target = Utf8.GetBytes(entry.LinkName);
                            var content = buffers.Read(new MemoryStream(target), target.Length);

                            // A link's own time does not count: git's import took the times of the files.
                            Post(jobs.Writer, budget, ref batch, new BlobJob(content, link), stop.Token);
                            break;
                        }

                        case TarEntryType.HardLink:
                        {
                            var target = EntryPath(tarball, entry.LinkName);
                            if (target is null || !files.TryGetValue(target, out var original))
                            {
                                throw new BuildException(
                                    $"{tarball}: the hard link {entry.Name} points at {entry.LinkName}, "
                                    + "which comes later or not at all.");
                            }

                            files[path] = original;
                            if (unpackInto is not null)
                            {
                                hardLinks.Add((original, Unpacked(unpackInto, path)!));
                            }

                            newest = Math.Max(newest, entry.ModificationTime.ToUnixTimeSeconds());
                            break;
                        }

                        default:
                            // Folders are implied by their files (git keeps no empty folder); devices,
                            // fifos and extended headers have no place in a source tree.
                            break;
                    }
                }

                Hand(jobs.Writer, budget, ref batch, stop.Token);
                decompressor?.WaitForExit();
                if (decompressor is { ExitCode: not 0 })
                {
                    throw new BuildException(
                        $"Decompressing {tarball} with {decompressor.StartInfo.FileName} failed "
                        + $"with exit code {decompressor.ExitCode}.");
                }
            }
        }
        catch (Exception exception) when (exception is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new BuildException(
                $"{tarball} is not a readable tarball ({exception.Message}); delete it so it is downloaded again.",
                exception);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A worker failed; its exception follows below.
        }
        finally
        {
            jobs.Writer.TryComplete();
            Task.WhenAll(workers).ContinueWith(_ => { }, TaskScheduler.Default).Wait(CancellationToken.None);
        }

        var failure = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!).FirstOrDefault();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        cancellationToken.ThrowIfCancellationRequested();

        var (root, top) = StripSingleTop(files);
        var tree = WriteTree(writer, root);
        var stamp = $"{identity} {newest} +0000";
        var commit = writer.Add(
            "commit",
            (ReadOnlyMemory<byte>)Utf8.GetBytes($"tree {tree}\nauthor {stamp}\ncommitter {stamp}\n\n{message}\n"));
        beforePublish?.Invoke();
        writer.Finish();
        if (unpackInto is null)
        {
            return new Figures(commit, files.Count, bytes, writer.Count, null);
        }

        foreach (var (original, copy) in hardLinks)
        {
            File.Copy(original.WrittenAt!, copy);
        }

        var unpackedRoot = top is null ? unpackInto : Path.Combine(unpackInto, top);
        var entries = files
            .Select(f => new IndexEntry(top is null ? f.Key : f.Key[(top.Length + 1)..], f.Value.Mode, f.Value.Id!))
            .ToList();

        return new Figures(commit, files.Count, bytes, writer.Count, (unpackedRoot, entries));
    }

    private static string Streamed(PackWriter writer, Stream source, long length, TreeEntry blob, Folders made)
    {
        if (blob.WrittenAt is null)
        {
            return writer.AddStream("blob", source, length, null);
        }

        try
        {
            MakeFolder(Path.GetDirectoryName(blob.WrittenAt)!, made);
            string id;
            using (var file = new FileStream(blob.WrittenAt, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1))
            {
                id = writer.AddStream("blob", source, length, file.Write);
            }

            MakeExecutableIf(blob.WrittenAt, blob.Mode);

            return id;
        }
        catch (IOException exception) when (exception is not EndOfStreamException)
        {
            throw new BuildException($"Could not unpack {blob.WrittenAt}: {exception.Message}", exception);
        }
    }

    private static string? Unpacked(string? unpackInto, string path) =>
        unpackInto is null ? null : Path.Combine(unpackInto, path);

    /// <summary>Writes a file of the tarball into the unpacked folder, as git's checkout would.</summary>
    private static void WriteFile(string path, string mode, IReadOnlyList<ReadOnlyMemory<byte>> content, Folders made)
    {
        try
        {
            WriteFileOrThrow(path, mode, content, made);
        }
        catch (IOException exception)
        {
            throw new BuildException($"Could not unpack {path}: {exception.Message}", exception);
        }
    }

    private static void WriteFileOrThrow(
        string path, string mode, IReadOnlyList<ReadOnlyMemory<byte>> content, Folders made)
    {
        MakeFolder(Path.GetDirectoryName(path)!, made);
        if (mode == "120000")
        {
            File.CreateSymbolicLink(path, Utf8.GetString(content.Count == 0 ? [] : content[0].Span));

            return;
        }

        // One pwritev for the file's pieces, through a handle without a FileStream's buffering.
        using (var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
        {
            RandomAccess.Write(file, content, 0);
        }

        MakeExecutableIf(path, mode);
    }

    /// <summary>
    /// Creates a folder of the unpacked tree once per import: asking for every file's folder again
    /// cost two failing system calls a file (mkdir, stat), 114,000 for MySQL.
    /// </summary>
    private static void MakeFolder(string path, Folders made) =>
        _ = made.GetOrAdd(path, folder => new Lazy<bool>(() => Directory.CreateDirectory(folder).Exists)).Value;

    /// <summary>
    /// The folders one import has created for the files it unpacks; a worker that needs a folder
    /// another is creating waits for it (<see cref="Lazy{T}"/>).
    /// </summary>
    private sealed class Folders()
        : System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<bool>>(StringComparer.Ordinal);

    private static void MakeExecutableIf(string path, string mode)
    {
        if (mode == "100755" && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path)
                | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>Adds a file to the batch being gathered, and hands the batch on once it is full.</summary>
    private static void Post(
        ChannelWriter<List<BlobJob>> jobs,
        ByteBudget budget,
        ref List<BlobJob> batch,
        BlobJob job,
        CancellationToken cancellationToken)
    {
        batch.Add(job);
        if (batch.Count >= BatchFiles || batch.Sum(j => j.Content.Length) >= BatchBytes)
        {
            Hand(jobs, budget, ref batch, cancellationToken);
        }
    }

    /// <summary>Hands the gathered files to the workers once the read-ahead budget has room for them.</summary>
    private static void Hand(
        ChannelWriter<List<BlobJob>> jobs,
        ByteBudget budget,
        ref List<BlobJob> batch,
        CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        budget.Take(batch.Sum(j => j.Content.Bytes), cancellationToken);
        jobs.WriteAsync(batch, cancellationToken).AsTask().GetAwaiter().GetResult();
        batch = [];
    }

    private static async Task HashAndWrite(
        ChannelReader<List<BlobJob>> jobs,
        PackWriter writer,
        ByteBudget budget,
        BufferPool buffers,
        Folders made,
        CancellationTokenSource stop)
    {
        var compressed = new MemoryStream();
        await foreach (var batch in jobs.ReadAllAsync(CancellationToken.None))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
            foreach (var job in batch)
            {
                try
                {
                    if (failure is null && !stop.IsCancellationRequested)
                    {
                        job.Entry.Id = writer.Add("blob", job.Content.Pieces, job.Content.Length, compressed);
                        if (compressed.Capacity > 4 * PooledBufferLimit)
                        {
                            // Grown for one large file; keeping it would hold that much for good.
                            compressed = new MemoryStream();
                        }

                        if (job.Entry.WrittenAt is { } path)
                        {
                            WriteFile(path, job.Entry.Mode, job.Content.Pieces, made);
                        }
                    }
                }
                catch (Exception exception)
                {
                    // The rest of the batch is only given back, so the reader is not left waiting for room.
                    failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception);
                    await stop.CancelAsync();
                }
                finally
                {
                    budget.Give(job.Content.Bytes);
                    buffers.Return(job.Content);
                }
            }

            failure?.Throw();
        }
    }

    /// <summary>
    /// The entry's path inside the tarball, without a leading <c>./</c>; null for the archive's
    /// own root. Paths that would leave the tree or touch a repository's metadata are refused.
    /// </summary>
    private static string? EntryPath(string tarball, string name)
    {
        var parts = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p != ".")
            .ToArray();
        if (name.StartsWith('/') || parts.Any(p => p is ".." or ".git"))
        {
            throw new BuildException(
                $"{tarball} holds the entry {name}, which leaves the source tree or names a .git folder; "
                + "the tarball is not imported.");
        }

        return parts.Length == 0 ? null : string.Join('/', parts);
    }

    /// <summary>The tarball's content, decompressed: gzip in this process, others through their tool.</summary>
    private static Stream Decompressed(string tarball, out Process? decompressor)
    {
        decompressor = null;
        var magic = new byte[6];
        using (var probe = File.OpenRead(tarball))
        {
            probe.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        }

        var file = new FileStream(tarball, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        if (magic[0] == 0x1f && magic[1] == 0x8b)
        {
            return new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 20);
        }

        string? tool = magic switch
        {
            [0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0] => "xz",
            [(byte)'B', (byte)'Z', (byte)'h', ..] => "bzip2",
            [0x28, 0xb5, 0x2f, 0xfd, ..] => "zstd",
            _ => null,
        };
        if (tool is null)
        {
            return file;
        }

        file.Dispose();
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-dc");
        info.ArgumentList.Add(tarball);
        try
        {
            decompressor = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new BuildException(
                $"{tarball} is compressed with {tool}, which is not installed; install it (apt-get install {tool}).",
                exception);
        }

        return decompressor.StandardOutput.BaseStream;
    }

    /// <summary>The folder tree of the files, without the top folder when everything is inside one.</summary>
    private static (Folder Root, string? Top) StripSingleTop(Dictionary<string, TreeEntry> files)
    {
        var tops = files.Keys.Select(p => p.Split('/')[0]).Distinct(StringComparer.Ordinal).Take(2).ToList();
        var strip = tops.Count == 1 && files.Keys.All(p => p.Contains('/', StringComparison.Ordinal));
        var root = new Folder();
        foreach (var (path, entry) in files)
        {
            var parts = path.Split('/');
            var folder = root;
            for (var i = strip ? 1 : 0; i < parts.Length - 1; i++)
            {
                if (!folder.Folders.TryGetValue(parts[i], out var child))
                {
                    child = new Folder();
                    folder.Folders[parts[i]] = child;
                }

                folder = child;
            }

            folder.Files[parts[^1]] = entry;
        }

        return (root, strip ? tops[0] : null);
    }

    private static string WriteTree(PackWriter writer, Folder folder)
    {
        var entries = folder.Files.Select(f => (Name: f.Key, Mode: f.Value.Mode, f.Value.Id, IsTree: false))
            .Concat(folder.Folders.Select(f =>
                (Name: f.Key, Mode: "40000", Id: (string?)WriteTree(writer, f.Value), IsTree: true)))
            .Where(e => e.Id is not null)
            .ToList();
        entries.Sort((a, b) => CompareTreeNames(a.Name, a.IsTree, b.Name, b.IsTree));

        using var content = new MemoryStream();
        foreach (var (name, mode, id, _) in entries)
        {
            content.Write(Utf8.GetBytes($"{mode} {name}\0"));
            content.Write(Convert.FromHexString(id!));
        }

        return writer.Add("tree", content.GetBuffer().AsMemory(0, (int)content.Length));
    }

    /// <summary>git's order of tree entries: by bytes, a folder's name compared as if it ended in '/'.</summary>
    private static int CompareTreeNames(string a, bool aIsTree, string b, bool bIsTree)
    {
        var left = Utf8.GetBytes(aIsTree ? a + "/" : a);
        var right = Utf8.GetBytes(bIsTree ? b + "/" : b);

        return left.AsSpan().SequenceCompareTo(right);
    }

    private sealed class TreeEntry(string mode, string? writtenAt)
    {
        public string Mode { get; } = mode;

        /// <summary>Where the file is unpacked, when it is.</summary>
        public string? WrittenAt { get; } = writtenAt;

        /// <summary>Set by the worker that wrote the blob; read after every worker has finished.</summary>
        public string? Id { get; set; }
    }

    private sealed class Folder
    {
        public Dictionary<string, TreeEntry> Files { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Folder> Folders { get; } = new(StringComparer.Ordinal);
    }

    private sealed record BlobJob(Content Content, TreeEntry Entry);

    /// <summary>A file's bytes in pooled buffers of at most 1 MiB, each possibly longer than its part.</summary>
    private sealed record Content(byte[][] Buffers, IReadOnlyList<ReadOnlyMemory<byte>> Pieces, long Length)
    {
        /// <summary>The memory held, which is what the read-ahead budget counts.</summary>
        public long Bytes => Buffers.Sum(b => (long)b.Length);
    }

    /// <summary>
    /// Buffers for file contents, reused: the shared ArrayPool keeps several arrays of every size
    /// for every core, which held 750 MB after MySQL's import; this pool keeps at most a budget.
    /// </summary>
    private sealed class BufferPool(long keepLimit)
    {
        private readonly Lock gate = new();
        private readonly Dictionary<int, Stack<byte[]>> free = [];
        private long kept;

        /// <summary>Reads <paramref name="length"/> bytes into pooled buffers.</summary>
        public Content Read(Stream? source, long length)
        {
            var count = (int)((length + PooledBufferLimit - 1) / PooledBufferLimit);
            var buffers = new byte[count][];
            var pieces = new ReadOnlyMemory<byte>[count];
            for (var i = 0; i < count; i++)
            {
                var size = (int)Math.Min(PooledBufferLimit, length - ((long)i * PooledBufferLimit));
                buffers[i] = Rent(size);
                source!.ReadExactly(buffers[i], 0, size);
                pieces[i] = buffers[i].AsMemory(0, size);
            }

            return new Content(buffers, pieces, length);
        }

        public void Return(Content content)
        {
            foreach (var buffer in content.Buffers)
            {
                Return(buffer);
            }
        }

        private byte[] Rent(int length)
        {
            var size = (int)Math.Max(4096, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, length)));
            lock (gate)
            {
                if (free.TryGetValue(size, out var stack) && stack.TryPop(out var buffer))
                {
                    kept -= size;

                    return buffer;
                }
            }

            return new byte[size];
        }

        private void Return(byte[] buffer)
        {
            lock (gate)
            {
                if (buffer.Length > PooledBufferLimit || kept + buffer.Length > keepLimit)
                {
                    return;
                }

                if (!free.TryGetValue(buffer.Length, out var stack))
                {
                    stack = new Stack<byte[]>();
                    free[buffer.Length] = stack;
                }

                stack.Push(buffer);
                kept += buffer.Length;
            }
        }
    }

    /// <summary>
    /// Bounds the bytes read ahead of the workers; one file larger than the budget still passes alone.
    /// </summary>
    private sealed class ByteBudget(long limit)
    {
        private readonly object gate = new();
        private long inFlight;

        public void Take(long size, CancellationToken cancellationToken)
        {
            lock (gate)
            {
                while (inFlight > 0 && inFlight + size > limit)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Monitor.Wait(gate, 100);
                }

                inFlight += size;
            }
        }

        public void Give(long size)
        {
            lock (gate)
            {
                inFlight -= size;
                Monitor.PulseAll(gate);
            }
        }
    }
}

/// <summary>A file of an imported tree, for the index of a worktree unpacked with it.</summary>
/// <param name="Path">The path in the tree, with '/' between folders.</param>
/// <param name="Mode">100644, 100755 or 120000.</param>
public sealed record IndexEntry(string Path, string Mode, string Id);

/// <summary>
/// A tarball that holds one path twice, met while unpacking; it is imported again without
/// unpacking, so that the last entry wins as with tar.
/// </summary>
public sealed class DuplicateEntryException : BuildException
{
    public DuplicateEntryException(string tarball, string entry)
        : base($"{tarball} holds {entry} more than once")
    {
    }

    public DuplicateEntryException(string message)
        : base(message)
    {
    }

    public DuplicateEntryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DuplicateEntryException()
    {
    }
}
