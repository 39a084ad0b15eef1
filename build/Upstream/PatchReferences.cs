using System.Globalization;
using System.Text.RegularExpressions;
using SnapBuild.Patches;

namespace SnapBuild.Upstream;

/// <summary>A GitHub pull request or issue that a patch's header points at.</summary>
public sealed record GitHubThread(string Owner, string Repository, int Number, bool IsPullRequest, string Field)
{
    public string Url => $"https://github.com/{Owner}/{Repository}/{(IsPullRequest ? "pull" : "issues")}/{Number}";
}

/// <summary>An upstream commit that a patch's header says it comes from or was applied as.</summary>
public sealed record UpstreamCommit(string Sha, string Field);

/// <summary>
/// What a patch's DEP-3 header says about upstream: pull requests and issues in <c>Forwarded</c>
/// and <c>Bug*</c>, and commits in <c>Origin</c> and <c>Applied-Upstream</c> (a backport). Only
/// GitHub URLs and bare commit ids count; <c>Forwarded: no</c> or a mail archive link say nothing
/// the check can ask about.
/// </summary>
public sealed partial class PatchReferences
{
    private PatchReferences(IReadOnlyList<GitHubThread> threads, IReadOnlyList<UpstreamCommit> commits)
    {
        Threads = threads;
        Commits = commits;
    }

    public IReadOnlyList<GitHubThread> Threads { get; }

    public IReadOnlyList<UpstreamCommit> Commits { get; }

    public static PatchReferences From(Dep3Header header, string repository)
    {
        var threads = new List<GitHubThread>();
        var commits = new List<UpstreamCommit>();
        var fields = new List<(string Name, string? Value)> { ("Forwarded", header.Forwarded) };
        fields.AddRange(header.Bugs.Select(b => (b.Key, (string?)b.Value)));
        foreach (var (name, value) in fields)
        {
            foreach (Match match in ThreadUrl().Matches(value ?? string.Empty))
            {
                var thread = new GitHubThread(
                    match.Groups["owner"].Value,
                    match.Groups["repo"].Value,
                    int.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture),
                    match.Groups["kind"].Value == "pull",
                    name);
                if (!threads.Any(t => t.Url == thread.Url))
                {
                    threads.Add(thread);
                }
            }
        }

        foreach (var (name, value) in new[] { ("Origin", header.Origin), ("Applied-Upstream", header.AppliedUpstream) })
        {
            if (value is null)
            {
                continue;
            }

            var found = CommitUrl().Matches(value)
                .Where(m => string.Equals(m.Groups["slug"].Value, repository, StringComparison.OrdinalIgnoreCase))
                .Select(m => m.Groups["sha"].Value)
                .Concat(CommitWord().Matches(value).Select(m => m.Groups["sha"].Value));
            foreach (var sha in found)
            {
                if (!commits.Any(c => c.Sha.Equals(sha, StringComparison.OrdinalIgnoreCase)))
                {
                    commits.Add(new UpstreamCommit(sha.ToLowerInvariant(), name));
                }
            }
        }

        return new PatchReferences(threads, commits);
    }

    [GeneratedRegex(@"https?://github\.com/(?<owner>[A-Za-z0-9_.-]+)/(?<repo>[A-Za-z0-9_.-]+)/(?<kind>pull|issues)/(?<number>[0-9]{1,9})")]
    private static partial Regex ThreadUrl();

    [GeneratedRegex(@"https?://github\.com/(?<slug>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/commit/(?<sha>[0-9a-fA-F]{7,40})\b")]
    private static partial Regex CommitUrl();

    /// <summary>A bare commit id, as in <c>upstream, commit:1a2b3c4d</c> or <c>9.7.3, 1a2b3c4d5e6f</c>.</summary>
    [GeneratedRegex(@"(?<![/0-9a-zA-Z])(?:commit[: ])?(?<sha>[0-9a-f]{12,40})(?![0-9a-zA-Z])")]
    private static partial Regex CommitWord();
}
