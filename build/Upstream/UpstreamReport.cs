using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SnapBuild.Common;

namespace SnapBuild.Upstream;

/// <summary>What the check concludes about one patch.</summary>
public enum PatchVerdict
{
    /// <summary>Upstream's newest tag still needs the patch.</summary>
    Needed,

    /// <summary>Upstream has the change: its pull request or commit is in the newest tag, or the patch applies in reverse.</summary>
    MergedUpstream,

    /// <summary>The code the patch changes is gone at the newest tag.</summary>
    Obsolete,

    /// <summary>The patch no longer applies at the newest tag and upstream has not taken it.</summary>
    Conflicts,

    /// <summary>Nothing the check can see decides it.</summary>
    Unknown,
}

/// <summary>What the check concludes about the fork as a whole; each answer has its own exit code.</summary>
public enum ForkAnswer
{
    /// <summary>At least one patch is still needed and every patch applies: nothing to do. Exit code 0.</summary>
    StillNeeded = 0,

    /// <summary>Every patch is merged upstream or obsolete: the recipe can point at upstream directly. Exit code 3.</summary>
    Unnecessary = 3,

    /// <summary>A patch conflicts at the newest tag, or nothing decides one: a person must look. Exit code 4.</summary>
    NeedsAttention = 4,
}

/// <summary>One patch's verdict and the facts behind it, in the order they were found.</summary>
public sealed record PatchFinding(string Patch, string Summary, PatchVerdict Verdict, IReadOnlyList<string> Evidence);

/// <summary>The answer of one upstream check, written as a table, JSON and Markdown.</summary>
public sealed record UpstreamReport
{
    public required string Repository { get; init; }

    public required string Track { get; init; }

    /// <summary>The tag the recipe builds now.</summary>
    public required string Pinned { get; init; }

    /// <summary>The newest release in the tracked line; every patch is judged against it.</summary>
    public required string NewestTracked { get; init; }

    /// <summary>The newest release of the tag family, in any line.</summary>
    public required string NewestOverall { get; init; }

    public required IReadOnlyList<PatchFinding> Patches { get; init; }

    public required int Requests { get; init; }

    public required int NotModified { get; init; }

    public ForkAnswer Answer =>
        Patches.Any(p => p.Verdict is PatchVerdict.Conflicts or PatchVerdict.Unknown) ? ForkAnswer.NeedsAttention
        : Patches.All(p => p.Verdict is PatchVerdict.MergedUpstream or PatchVerdict.Obsolete) ? ForkAnswer.Unnecessary
        : ForkAnswer.StillNeeded;

    public string AnswerText => Answer switch
    {
        ForkAnswer.StillNeeded => "fork still needed",
        ForkAnswer.Unnecessary => "fork unnecessary: every patch is merged upstream or obsolete",
        _ => "needs attention: " + string.Join(", ", Patches
            .Where(p => p.Verdict is PatchVerdict.Conflicts or PatchVerdict.Unknown)
            .Select(p => $"{p.Patch} {VerdictText(p.Verdict)}")),
    };

    public static string VerdictText(PatchVerdict verdict) => verdict switch
    {
        PatchVerdict.Needed => "needed",
        PatchVerdict.MergedUpstream => "merged upstream",
        PatchVerdict.Obsolete => "obsolete",
        PatchVerdict.Conflicts => "conflicts",
        _ => "unknown",
    };

    /// <summary>Plain aligned columns for the console and CI logs.</summary>
    public IReadOnlyList<string> Table()
    {
        var rows = Patches.Select(p => (p.Patch, VerdictText(p.Verdict), string.Join("; ", p.Evidence))).ToList();
        var first = Math.Max("patch".Length, rows.Select(r => r.Item1.Length).DefaultIfEmpty(0).Max());
        var second = Math.Max("verdict".Length, rows.Select(r => r.Item2.Length).DefaultIfEmpty(0).Max());
        var lines = new List<string> { $"{"patch".PadRight(first)}  {"verdict".PadRight(second)}  evidence" };
        lines.AddRange(rows.Select(r => $"{r.Item1.PadRight(first)}  {r.Item2.PadRight(second)}  {r.Item3}"));

        return lines;
    }

    public string ToJson() => JsonText.Write(new JsonObject
    {
        ["repository"] = Repository,
        ["track"] = Track,
        ["pinned"] = Pinned,
        ["newest_tracked"] = NewestTracked,
        ["newest_overall"] = NewestOverall,
        ["answer"] = JsonText.Name(Answer),
        ["exit_code"] = (int)Answer,
        ["summary"] = AnswerText,
        ["patches"] = new JsonArray([.. Patches.Select(p => (JsonNode)new JsonObject
        {
            ["patch"] = p.Patch,
            ["summary"] = p.Summary,
            ["verdict"] = JsonText.Name(p.Verdict),
            ["evidence"] = new JsonArray([.. p.Evidence.Select(e => (JsonNode)JsonValue.Create(e))]),
        })]),
        ["requests"] = new JsonObject { ["sent"] = Requests, ["not_modified"] = NotModified },
    });

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"## Upstream check: {Repository}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"**{AnswerText}** (exit code {(int)Answer})\n\n");
        text.Append(CultureInfo.InvariantCulture, $"- pinned: `{Pinned}`\n");
        text.Append(CultureInfo.InvariantCulture, $"- newest in `{Track}`: `{NewestTracked}`\n");
        text.Append(CultureInfo.InvariantCulture, $"- newest overall: `{NewestOverall}`\n\n");
        text.Append("| patch | verdict | evidence |\n|---|---|---|\n");
        foreach (var patch in Patches)
        {
            var evidence = string.Join("<br>", patch.Evidence.Select(Cell));
            text.Append(CultureInfo.InvariantCulture, $"| `{patch.Patch}` | {VerdictText(patch.Verdict)} | {evidence} |\n");
        }

        return text.ToString();
    }

    /// <summary>Writes <c>upstream-check.json</c> and <c>upstream-check.md</c>, each atomically.</summary>
    public void Write(string artifactsDirectory)
    {
        AtomicFile.WriteAllText(Path.Combine(artifactsDirectory, "upstream-check.json"), ToJson());
        AtomicFile.WriteAllText(Path.Combine(artifactsDirectory, "upstream-check.md"), ToMarkdown());
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
