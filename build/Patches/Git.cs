using System.Globalization;
using System.Text.RegularExpressions;
using SnapBuild.Common;

namespace SnapBuild.Patches;

/// <summary>Runs the git command line in one repository, for what LibGit2Sharp lacks (apply, plumbing).</summary>
internal sealed partial class Git
{
    private readonly string directory;
    private readonly CancellationToken cancellationToken;
    private readonly Dictionary<string, string?> environment;

    public Git(string directory, CancellationToken cancellationToken)
        : this(directory, new Dictionary<string, string?>
        {
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["LC_ALL"] = "C",
        }, cancellationToken)
    {
    }

    private Git(string directory, Dictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        this.directory = directory;
        this.cancellationToken = cancellationToken;
        this.environment = environment;
    }

    public Git WithIndex(string indexFile) =>
        new(
            directory,
            new Dictionary<string, string?>(environment) { ["GIT_INDEX_FILE"] = indexFile },
            cancellationToken);

    /// <summary>Author and committer from the patch's DEP-3 header, dated by its Last-Update.</summary>
    public Git WithIdentity(Dep3Header header)
    {
        var (name, email) = ParseAuthor(header.Author);
        var stamp = $"@{Timestamp(header)} +0000";

        var identity = new Dictionary<string, string?>(environment)
        {
            ["GIT_AUTHOR_NAME"] = name,
            ["GIT_AUTHOR_EMAIL"] = email,
            ["GIT_AUTHOR_DATE"] = stamp,
            ["GIT_COMMITTER_NAME"] = name,
            ["GIT_COMMITTER_EMAIL"] = email,
            ["GIT_COMMITTER_DATE"] = stamp,
        };

        return new Git(directory, identity, cancellationToken);
    }

    /// <summary>
    /// The identity line <c>git commit-tree</c> writes for the header's author ("Name &lt;email&gt;
    /// seconds +0000"), with the same clean-up of both fields; null when the name is left empty,
    /// which git refuses.
    /// </summary>
    public static string? IdentityLine(Dep3Header header)
    {
        var (name, email) = ParseAuthor(header.Author);
        name = WithoutCrud(name);
        email = WithoutCrud(email);

        return name.Length == 0 ? null : $"{name} <{email}> {Timestamp(header)} +0000";
    }

    public string Run(params string[] arguments) =>
        ProcessRunner.RunChecked(Spec(arguments), cancellationToken).StandardOutput;

    public ProcessResult TryRun(params string[] arguments) => ProcessRunner.Run(Spec(arguments), cancellationToken);

    /// <summary>The first tracked files with local changes, from <c>git status --porcelain</c>'s output.</summary>
    public static IReadOnlyList<string> ChangedPaths(string porcelain) =>
        porcelain.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Length > 3 ? l[3..] : l)
            .Take(5)
            .ToList();

    /// <summary>The environment every git command of this repository runs with.</summary>
    public IReadOnlyDictionary<string, string?> Environment => environment;

    private static long Timestamp(Dep3Header header) =>
        (header.LastUpdate is { } day
            ? DateTimeOffset.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : DateTimeOffset.UnixEpoch).ToUnixTimeSeconds();

    /// <summary>
    /// What git keeps of a name or an address: leading and trailing spaces, control characters
    /// and <c>.,:;&lt;&gt;"'</c> dropped, and no '&lt;', '&gt;' or newline inside.
    /// </summary>
    private static string WithoutCrud(string text)
    {
        static bool Crud(char c) => c <= ' ' || c is '.' or ',' or ':' or ';' or '<' or '>' or '"' or '\\' or '\'';

        var start = 0;
        var end = text.Length;
        while (start < end && Crud(text[start]))
        {
            start++;
        }

        while (end > start && Crud(text[end - 1]))
        {
            end--;
        }

        return string.Concat(text[start..end].Where(c => c is not ('<' or '>' or '\n')));
    }

    private ProcessSpec Spec(string[] arguments) =>
        new("git", arguments) { WorkingDirectory = directory, Environment = environment };

    private static (string Name, string Email) ParseAuthor(string? author)
    {
        if (author is null)
        {
            return ("snap-build", "snap-build@invalid");
        }

        var match = AuthorPattern().Match(author.Split('\n')[0]);

        return match.Success
            ? (match.Groups[1].Value.Trim(), match.Groups[2].Value.Trim())
            : (author.Split('\n')[0].Trim(), "unknown@invalid");
    }

    [GeneratedRegex("^(.*?)<([^>]*)>")]
    private static partial Regex AuthorPattern();
}
