using System.Globalization;
using System.Text.RegularExpressions;
using SnapBuild.Patches;

namespace SnapBuild.Nightly;

/// <summary>How one patch of the series meets a newer upstream tag.</summary>
public enum TrialOutcome
{
    /// <summary>Every hunk applies where the patch says.</summary>
    Unchanged,

    /// <summary>Every hunk applies, some of them at other lines: the patch wants refreshing.</summary>
    Offsets,

    /// <summary>The change is already upstream (the patch applies in reverse): it can be dropped.</summary>
    BecameEmpty,

    /// <summary>A hunk does not apply either way.</summary>
    Conflicts,
}

/// <summary>One patch's outcome; <see cref="Refreshed"/> is the patch rewritten for the new tag when it moved.</summary>
public sealed record PatchTrial(string Patch, TrialOutcome Outcome, string Detail)
{
    public string? Refreshed { get; init; }
}

/// <summary>
/// Tries the series on a newer tag in a scratch clone, patch by patch and in order, classifying
/// each as the rebase tools of distributions do: applies unchanged, applies with offsets, became
/// empty (upstream has it), or conflicts (naming the hunk). A patch that applies is committed, so
/// the next one is tried on top of it and a moved patch can be rewritten from the commit.
/// </summary>
public static partial class SeriesTrial
{
    public static IReadOnlyList<PatchTrial> Run(SeriesFile series, string checkout, string commit, CancellationToken cancellationToken)
    {
        var scratch = Directory.CreateTempSubdirectory("snap-build-trial-").FullName;
        try
        {
            var root = new Git(Path.GetDirectoryName(scratch)!, cancellationToken);
            root.Run("clone", "--quiet", "--shared", "--no-checkout", checkout, scratch);
            var git = new Git(scratch, cancellationToken);
            git.Run("checkout", "--quiet", "--detach", commit);
            var trials = new List<PatchTrial>();
            foreach (var entry in series.Entries)
            {
                trials.Add(Try(git, entry, PatchFile.Read(entry.Path, entry.StripLevel)));
            }

            return trials;
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
                // A scratch clone in the temporary folder; leaving it harms nothing.
            }
        }
    }

    private static PatchTrial Try(Git git, SeriesEntry entry, PatchFile patch)
    {
        var strip = $"-p{entry.StripLevel.ToString(CultureInfo.InvariantCulture)}";
        var check = git.TryRun("apply", "--check", "--verbose", strip, entry.Path);
        if (check.ExitCode == 0)
        {
            var moved = Offset().Matches(check.StandardError + check.StandardOutput)
                .Select(m => $"hunk #{m.Groups["hunk"].Value} of {FileOf(check.StandardError, m.Index)} at line {m.Groups["line"].Value} ({m.Groups["offset"].Value} lines)")
                .ToList();
            git.Run("apply", strip, entry.Path);
            git.Run("add", "--all");
            git.WithIdentity(patch.Header).Run("commit", "--quiet", "--no-verify", "-m", entry.Name);
            if (moved.Count == 0)
            {
                return new PatchTrial(entry.Name, TrialOutcome.Unchanged, "applies unchanged");
            }

            return new PatchTrial(entry.Name, TrialOutcome.Offsets, "applies with offsets: " + string.Join(", ", moved))
            {
                Refreshed = Header(entry.Path) + Diff(git, entry.StripLevel),
            };
        }

        if (git.TryRun("apply", "--check", "--reverse", strip, entry.Path).ExitCode == 0)
        {
            return new PatchTrial(entry.Name, TrialOutcome.BecameEmpty, "became empty: the tag already has the change");
        }

        var failed = FailedAt().Match(check.StandardError);
        var detail = failed.Success
            && patch.HunkAt(failed.Groups[1].Value, int.Parse(failed.Groups[2].Value, CultureInfo.InvariantCulture)) is { } hunk
            ? $"conflicts: hunk #{hunk.Number} of {failed.Groups[1].Value} (line {hunk.OldStart}) does not apply"
            : "conflicts: " + (check.StandardError.Split('\n').FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))
                ?? check.StandardError.Trim());

        return new PatchTrial(entry.Name, TrialOutcome.Conflicts, detail);
    }

    /// <summary>The file git was checking when it reported the hunk at <paramref name="index"/>.</summary>
    private static string FileOf(string output, int index)
    {
        var before = output[..Math.Min(index, output.Length)];
        var checking = CheckingFile().Matches(before);

        return checking.Count > 0 ? checking[^1].Groups[1].Value : "the patch";
    }

    /// <summary>The DEP-3 header and anything else before the first diff line, as written.</summary>
    private static string Header(string path)
    {
        var lines = File.ReadAllText(path).Split('\n');
        var end = Array.FindIndex(lines, l => l.StartsWith("diff --git ", StringComparison.Ordinal) || l.StartsWith("--- ", StringComparison.Ordinal));

        return end <= 0 ? string.Empty : string.Join('\n', lines[..end]) + "\n";
    }

    private static string Diff(Git git, int stripLevel)
    {
        string[] prefixes = stripLevel == 0 ? ["--no-prefix"] : ["--src-prefix=a/", "--dst-prefix=b/"];

        return git.Run(["diff", "--no-color", "--no-ext-diff", .. prefixes, "HEAD~1", "HEAD"]);
    }

    [GeneratedRegex(@"Hunk #(?<hunk>\d+) succeeded at (?<line>\d+) \(offset (?<offset>-?\d+) lines?\)")]
    private static partial Regex Offset();

    [GeneratedRegex(@"Checking patch (.+)\.\.\.")]
    private static partial Regex CheckingFile();

    [GeneratedRegex(@"patch failed: (.+):(\d+)")]
    private static partial Regex FailedAt();
}
