using SnapBuild.Common;
using SnapBuild.Patches;

namespace SnapBuild.Upstream;

/// <summary>How a patch meets the files of an upstream tag.</summary>
public enum ProbeOutcome
{
    /// <summary>The patch applies as it is: upstream still has the code it changes.</summary>
    Applies,

    /// <summary>The patch applies in reverse: upstream already has the change.</summary>
    AlreadyApplied,

    /// <summary>Every file the patch changes (rather than creates) is gone at the tag.</summary>
    Gone,

    /// <summary>Neither way: upstream changed the lines the patch touches.</summary>
    Conflicts,

    /// <summary>The patch cannot be tried on loose files (binary hunks, or no hunks at all).</summary>
    NotCheckable,
}

/// <summary>The outcome with git's own words when it did not apply.</summary>
public sealed record ProbeResult(ProbeOutcome Outcome, string Detail);

/// <summary>
/// Tries a series on the files of an upstream tag without a clone: the files the patches touch are
/// written into a scratch tree as the tag has them, and each patch is checked with
/// <c>git apply --check</c>, forwards and then in reverse. A patch that applies is applied, so the
/// next one is tried on top of it, as quilt would.
/// </summary>
public sealed class PatchProbe : IDisposable
{
    private readonly string root;
    private readonly Git git;

    public PatchProbe(CancellationToken cancellationToken)
    {
        root = Directory.CreateTempSubdirectory("snap-build-probe-").FullName;
        git = new Git(root, cancellationToken);
        git.Run("init", "--quiet");
    }

    /// <summary>Puts a file into the scratch tree as the tag has it; null means the tag has no such file.</summary>
    public void Provide(string path, byte[]? contents)
    {
        var full = Full(path);
        if (contents is null)
        {
            if (File.Exists(full))
            {
                File.Delete(full);
            }


            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, contents);
    }

    public bool Has(string path) => File.Exists(Full(path));

    public ProbeResult Try(PatchFile patch, int stripLevel)
    {
        if (patch.Files.Count == 0 || patch.Files.Any(f => f.IsBinary))
        {
            return new ProbeResult(
                ProbeOutcome.NotCheckable,
                patch.Files.Count == 0 ? "the patch changes no file" : "binary hunks cannot be tried on single files");
        }

        PathGuard.Check(patch, root, allowBinary: false);
        var changed = patch.Files.Where(f => f.Hunks.Any(h => h.OldStart > 0 || h.OldCount > 0)).ToList();
        if (changed.Count > 0 && changed.All(f => !Has(f.Path)))
        {
            return new ProbeResult(
                ProbeOutcome.Gone,
                $"no longer upstream: {string.Join(", ", changed.Select(f => f.Path))}");
        }

        var strip = $"-p{stripLevel}";
        var forward = git.TryRun("apply", "--check", strip, patch.Path);
        if (forward.ExitCode == 0)
        {
            git.Run("apply", strip, patch.Path);

            return new ProbeResult(ProbeOutcome.Applies, "applies as it is");
        }

        var reverse = git.TryRun("apply", "--check", "--reverse", strip, patch.Path);
        if (reverse.ExitCode == 0)
        {
            return new ProbeResult(ProbeOutcome.AlreadyApplied, "applies in reverse: upstream has the change");
        }

        var first = forward.StandardError
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? forward.StandardError.Trim();

        return new ProbeResult(ProbeOutcome.Conflicts, first.Replace(patch.Path, Path.GetFileName(patch.Path), StringComparison.Ordinal));
    }

    private string Full(string path)
    {
        var full = Path.GetFullPath(Path.Combine(root, path));

        return full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new UsageException($"'{path}' leaves the source tree; a patch may only name files inside it.");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // A scratch tree in the temporary folder; leaving it behind harms nothing.
        }
    }
}
