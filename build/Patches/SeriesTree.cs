using System.Diagnostics;
using System.Globalization;
using System.Text;
using SnapBuild.Sources;

namespace SnapBuild.Patches;

/// <summary>The object store could not answer (git's reader stopped, or named an object it cannot read).</summary>
public sealed class ObjectReadException(string message) : Exception(message);

/// <summary>
/// The tree a series is being applied to, held in memory: folders are read from git only when a
/// patch reaches into them, and only folders a patch changed are written again, so a patch to
/// one file of MySQL's 59,000 writes its blob and the trees above it. Existing objects are read
/// through one <c>git cat-file --batch</c> for the whole series; new blobs, trees and commits go
/// into one pack, which <see cref="Flush"/> puts in place before anything else reads the
/// repository.
/// </summary>
internal sealed class SeriesTree : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

    private readonly string gitDirectory;
    private readonly IReadOnlyDictionary<string, string?> environment;
    private readonly Dictionary<string, byte[]> written = new(StringComparer.Ordinal);
    private readonly StringBuilder readerErrors = new();
    private Process? reader;
    private BufferedStream? answers; // the reader's output: headers are read a byte at a time
    private PackWriter? pack;
    private Folder root;

    /// <summary>A tree to start from with <see cref="StartAt"/> or <see cref="Reset"/>.</summary>
    public SeriesTree(string worktree, IReadOnlyDictionary<string, string?> environment)
    {
        gitDirectory = Path.Combine(worktree, ".git");
        this.environment = environment;
        root = new Folder(null);
    }

    /// <summary>Writes the folders changed since the last call; returns the id of the tree as it stands.</summary>
    public string WriteTree() => WriteFolder(root) ?? WriteObject("tree", []);

    /// <summary>Starts from the tree of <paramref name="commit"/>, read through the reader; returns its id.</summary>
    public string StartAt(string commit)
    {
        var bytes = ReadObject(commit + "^{tree}", "tree", out var id);
        root = new Folder(id) { Entries = Parse(bytes, id) };

        return id;
    }

    /// <summary>
    /// How many files differ between the trees of two commits (objects written here must have
    /// been flushed); the same count as <c>git diff --name-only --no-renames</c>.
    /// </summary>
    public int ChangedFiles(string fromCommit, string toCommit)
    {
        _ = ReadObject(fromCommit + "^{tree}", "tree", out var from);
        _ = ReadObject(toCommit + "^{tree}", "tree", out var to);

        return Changes(from, to);
    }

    /// <summary>Starts again from another tree (after git applied a patch this class leaves to it).</summary>
    public void Reset(string treeId) => root = new Folder(treeId);

    /// <summary>A file's mode and content, or null when the path is not a file of the tree.</summary>
    public (string Mode, byte[] Content)? ReadFile(string path)
    {
        var (folder, name) = FolderOf(path, create: false, change: false);
        if (folder is null || !Entries(folder).TryGetValue(name, out var entry)
            || entry.Mode is not ("100644" or "100755"))
        {
            return null;
        }

        return (entry.Mode, ReadObject(entry.Id!, "blob"));
    }

    /// <summary>Whether a file or folder is at the path, or a file where a folder of it would be.</summary>
    public bool Occupied(string path)
    {
        var parts = path.Split('/');
        var folder = root;
        for (var i = 0; i < parts.Length; i++)
        {
            if (!Entries(folder).TryGetValue(parts[i], out var entry))
            {
                return false;
            }

            if (i == parts.Length - 1 || entry.Mode != "40000")
            {
                return true;
            }

            folder = entry.Folder ??= new Folder(entry.Id!);
        }

        return true;
    }

    public void WriteFile(string path, string mode, byte[] content)
    {
        var id = WriteObject("blob", content);
        var (folder, name) = FolderOf(path, create: true, change: true);
        Entries(folder!)[name] = new Entry(mode, id);
    }

    public void DeleteFile(string path)
    {
        var (folder, name) = FolderOf(path, create: false, change: true);
        Entries(folder!).Remove(name);
    }

    /// <summary>Writes a commit object exactly as <c>git commit-tree</c> would for the same fields.</summary>
    public string WriteCommit(string tree, string parent, string identity, string message)
    {
        var text = new StringBuilder()
            .Append("tree ").Append(tree).Append('\n')
            .Append("parent ").Append(parent).Append('\n')
            .Append("author ").Append(identity).Append('\n')
            .Append("committer ").Append(identity).Append('\n')
            .Append('\n')
            .Append(message);
        if (!message.EndsWith('\n'))
        {
            text.Append('\n');
        }

        return WriteObject("commit", Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>Puts the objects written so far in place, so git can read them.</summary>
    public void Flush()
    {
        if (pack is null)
        {
            return;
        }

        pack.Finish();
        pack.Dispose();
        pack = null;
    }

    public void Dispose()
    {
        pack?.Dispose();
        if (reader is not null)
        {
            try
            {
                reader.StandardInput.Close();
                if (!reader.WaitForExit(5000))
                {
                    reader.Kill();
                }
            }
            catch (InvalidOperationException)
            {
            }
            catch (IOException)
            {
            }

            reader.Dispose();
        }
    }

    /// <summary>
    /// The folder holding a path, with the folders above it marked changed when
    /// <paramref name="change"/> is set.
    /// </summary>
    private (Folder? Folder, string Name) FolderOf(string path, bool create, bool change)
    {
        var parts = path.Split('/');
        var folder = root;
        foreach (var part in parts[..^1])
        {
            var entries = Entries(folder);
            if (!entries.TryGetValue(part, out var entry))
            {
                if (!create)
                {
                    return (null, parts[^1]);
                }

                entry = new Entry("40000", null) { Folder = new Folder(null) };
                entries[part] = entry;
            }
            else if (entry.Mode != "40000")
            {
                return (null, parts[^1]);
            }

            if (change)
            {
                folder.Id = null;
            }

            folder = entry.Folder ??= new Folder(entry.Id!);
        }

        if (change)
        {
            folder.Id = null;
        }

        return (folder, parts[^1]);
    }

    private Dictionary<string, Entry> Entries(Folder folder) =>
        folder.Entries ??= Parse(ReadObject(folder.Id!, "tree"), folder.Id!);

    /// <summary>A tree object's entries by name.</summary>
    private static Dictionary<string, Entry> Parse(byte[] bytes, string id)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var at = 0;
        while (at < bytes.Length)
        {
            var space = Array.IndexOf(bytes, (byte)' ', at);
            var nul = Array.IndexOf(bytes, (byte)0, space);
            var mode = Encoding.ASCII.GetString(bytes, at, space - at);
            string name;
            try
            {
                name = Utf8.GetString(bytes, space + 1, nul - space - 1);
            }
            catch (DecoderFallbackException)
            {
                throw new ObjectReadException($"tree {id} holds a name that is not UTF-8");
            }

            entries[name] = new Entry(mode, Convert.ToHexStringLower(bytes.AsSpan(nul + 1, 20)));
            at = nul + 21;
        }

        return entries;
    }

    /// <summary>The entries of a tree by id, read through the reader and not kept.</summary>
    private Dictionary<string, Entry> EntriesOf(string treeId) => Parse(ReadObject(treeId, "tree"), treeId);

    /// <summary>
    /// How many paths differ between two trees, as <c>git diff --name-only --no-renames</c> counts
    /// them: a changed file or mode is one, a file that became a folder is one and every file in it.
    /// Folders with the same id on both sides are not read.
    /// </summary>
    private int Changes(string? before, string? after)
    {
        if (before == after)
        {
            return 0;
        }

        var left = before is null ? [] : EntriesOf(before);
        var right = after is null ? [] : EntriesOf(after);
        var count = 0;
        foreach (var name in left.Keys.Union(right.Keys, StringComparer.Ordinal))
        {
            var a = left.GetValueOrDefault(name);
            var b = right.GetValueOrDefault(name);
            if (a is not null && b is not null && a.Id == b.Id && a.Mode == b.Mode)
            {
                continue;
            }

            var aTree = a?.Mode == "40000" ? a.Id : null;
            var bTree = b?.Mode == "40000" ? b.Id : null;
            count += Changes(aTree, bTree)
                + (a is not null && aTree is null || b is not null && bTree is null ? 1 : 0);
        }

        return count;
    }

    /// <summary>Writes a changed folder and the changed ones below it; null for a folder left empty.</summary>
    private string? WriteFolder(Folder folder)
    {
        if (folder.Id is { } id)
        {
            return id;
        }

        // Each entry as git writes it ("mode name\0" and the raw id), with the key git sorts by:
        // the name's bytes, a folder's with a '/' after it.
        var entries = new List<(byte[] Key, byte[] Header, string Id)>();
        foreach (var (name, entry) in Entries(folder))
        {
            var entryId = entry.Mode == "40000" && entry.Folder is { } child ? WriteFolder(child) : entry.Id;
            if (entryId is not null)
            {
                var key = Encoding.UTF8.GetBytes(entry.Mode == "40000" ? name + "/" : name);
                entries.Add((key, Encoding.UTF8.GetBytes($"{entry.Mode} {name}\0"), entryId));
            }
        }

        if (entries.Count == 0)
        {
            return null;
        }

        entries.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        using var content = new MemoryStream();
        foreach (var (_, header, entryId) in entries)
        {
            content.Write(header);
            content.Write(Convert.FromHexString(entryId));
        }

        folder.Id = WriteObject("tree", content.ToArray());

        return folder.Id;
    }

    private string WriteObject(string type, byte[] content)
    {
        pack ??= new PackWriter(Path.Combine(gitDirectory, "objects"));
        var id = pack.Add(type, content);
        if (type != "commit")
        {
            written[id] = content; // later patches read blobs and trees back; commits, never
        }

        return id;
    }

    private byte[] ReadObject(string id, string type) => ReadObject(id, type, out _);

    /// <summary>Reads an object by id or by any name git resolves (<c>commit^{tree}</c>), with its id.</summary>
    private byte[] ReadObject(string name, string type, out string id)
    {
        if (written.TryGetValue(name, out var mine))
        {
            id = name;
            return mine;
        }

        var process = reader ??= StartReader();
        try
        {
            process.StandardInput.BaseStream.Write(Encoding.UTF8.GetBytes(name + "\n"));
            process.StandardInput.BaseStream.Flush();
            var output = answers ??= new BufferedStream(process.StandardOutput.BaseStream, 1 << 16);
            var header = ReadLine(output);
            var fields = header?.Split(' ');
            if (fields is not { Length: 3 } || fields[1] != type)
            {
                throw new ObjectReadException(
                    $"git cat-file answered '{header ?? "nothing"}' for {type} {name}{Errors()}");
            }

            id = fields[0];
            var size = int.Parse(fields[2], CultureInfo.InvariantCulture);
            var content = new byte[size];
            output.ReadExactly(content);
            output.ReadExactly(new byte[1]);

            return content;
        }
        catch (IOException exception)
        {
            throw new ObjectReadException(
                $"git cat-file stopped while reading {type} {name}: {exception.Message}{Errors()}");
        }
    }

    private string Errors()
    {
        lock (readerErrors)
        {
            return readerErrors.Length == 0 ? string.Empty : " (" + readerErrors.ToString().Trim() + ")";
        }
    }

    private Process StartReader()
    {
        var info = new ProcessStartInfo("git", ["cat-file", "--batch"])
        {
            WorkingDirectory = Path.GetDirectoryName(gitDirectory)!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new ObjectReadException("git cat-file --batch did not start");
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                lock (readerErrors)
                {
                    readerErrors.AppendLine(line.Data);
                }
            }
        };
        process.BeginErrorReadLine();

        return process;
    }

    private static string? ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var next = stream.ReadByte();
            if (next < 0)
            {
                return bytes.Count == 0 ? null : Encoding.ASCII.GetString(bytes.ToArray());
            }

            if (next == '\n')
            {
                return Encoding.ASCII.GetString(bytes.ToArray());
            }

            bytes.Add((byte)next);
        }
    }

    private sealed class Folder(string? id)
    {
        /// <summary>The folder's tree id while it is unchanged; null once a patch changed it.</summary>
        public string? Id { get; set; } = id;

        public Dictionary<string, Entry>? Entries { get; set; } = id is null ? new(StringComparer.Ordinal) : null;
    }

    private sealed class Entry(string mode, string? id)
    {
        public string Mode { get; } = mode;

        public string? Id { get; } = id;

        public Folder? Folder { get; set; }
    }
}
