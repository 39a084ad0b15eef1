using System.Globalization;
using System.Net;
using Octokit;
using Polly.Timeout;
using SnapBuild.Common;
using SnapBuild.Patches;
using SnapBuild.Recipes;

namespace SnapBuild.Upstream;

/// <summary>
/// Answers whether upstream has made the patch series unnecessary, from GitHub alone: the newest
/// release of the recipe's tracked line; for each patch, the pull requests, issues and commits its
/// DEP-3 header names; and the files it touches, fetched at that release and tried with the patch.
/// Everything comes from the recipe, so any GitHub upstream works without code changes.
/// </summary>
public sealed class UpstreamChecker
{
    private readonly GitHubClient client;
    private readonly RequestCounts counts;
    private readonly IBuildLog log;
    private readonly CancellationToken cancellationToken;
    private readonly GitHubOptions options;

    public UpstreamChecker(GitHubOptions options, IBuildLog log, CancellationToken cancellationToken)
    {
        OctokitModels.Keep();
        this.options = options;
        counts = new RequestCounts();
        client = GitHubConnection.Create(options, counts);
        this.log = log;
        this.cancellationToken = cancellationToken;
    }

    public RequestCounts Counts => counts;

    public async Task<UpstreamReport> CheckAsync(Recipe recipe)
    {
        var slug = recipe.Upstream.GitHub ?? throw new BuildException(
            $"{recipe.Path} names no GitHub repository; add 'github: owner/name' under 'upstream' to use UpstreamCheck.");
        var (owner, name) = Split(slug, recipe.Path);
        var line = new ReleaseLine(recipe.Upstream.Track ?? DefaultTrack(recipe.Upstream.Tag));

        var tags = await Ask($"GET /repos/{slug}/tags", () => client.Repository.GetAllTags(owner, name, Pages()));
        var releases = await Ask($"GET /repos/{slug}/releases", () => client.Repository.Release.GetAll(owner, name, Pages()));
        var names = tags.Select(t => t.Name)
            .Concat(releases.Where(r => !r.Draft && !r.Prerelease).Select(r => r.TagName))
            .ToList();
        var (overall, tracked) = line.Newest(names);
        if (tracked is null)
        {
            throw new BuildException(
                $"No release of {slug} matches the track '{line.Pattern}' in {recipe.Path} ({names.Count} tags and releases seen); "
                + "correct 'upstream.track'.");
        }

        log.Information($"Upstream {slug}: newest in {line.Pattern} is {tracked.Tag}, newest overall {overall!.Tag}; pinned {recipe.Upstream.Tag}");

        var series = SeriesFile.Read(recipe.Patches.Series);
        var findings = new List<PatchFinding>();
        using var probe = new PatchProbe(cancellationToken);
        var fetched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in series.Entries)
        {
            if (!File.Exists(entry.Path))
            {
                throw new UsageException($"{series.Path}:{entry.Line}: the series names {entry.Name}, which does not exist.");
            }

            var patch = PatchFile.Read(entry.Path, entry.StripLevel);
            foreach (var file in patch.Files.Where(f => fetched.Add(f.Path)))
            {
                probe.Provide(file.Path, await ContentAsync(owner, name, slug, file.Path, tracked.Tag));
            }

            findings.Add(await JudgeAsync(entry, patch, owner, name, slug, tracked.Tag, probe));
        }

        return new UpstreamReport
        {
            Repository = slug,
            Track = line.Pattern,
            Pinned = recipe.Upstream.Tag,
            NewestTracked = tracked.Tag,
            NewestOverall = overall.Tag,
            Patches = findings,
            Requests = counts.Sent,
            NotModified = counts.NotModified,
        };
    }

    /// <summary><c>mysql-9.7.2</c> tracks <c>mysql-9.7.*</c>: the same line, any patch release.</summary>
    public static string DefaultTrack(string tag)
    {
        var dot = tag.LastIndexOf('.');

        return dot > 0 ? tag[..(dot + 1)] + "*" : tag;
    }

    private async Task<PatchFinding> JudgeAsync(
        SeriesEntry entry, PatchFile patch, string owner, string name, string slug, string tag, PatchProbe probe)
    {
        var evidence = new List<string>();
        var references = PatchReferences.From(patch.Header, slug);
        var merged = false;
        foreach (var thread in references.Threads)
        {
            merged |= await ThreadAsync(thread, owner, name, tag, evidence);
        }

        foreach (var commit in references.Commits)
        {
            var contained = await ContainsAsync(owner, name, commit.Sha, tag);
            evidence.Add(contained switch
            {
                true => $"{commit.Field} commit {Short(commit.Sha)} is in {tag}",
                false => $"{commit.Field} commit {Short(commit.Sha)} is not in {tag}",
                null => $"{commit.Field} commit {Short(commit.Sha)} is unknown to {slug}",
            });
            merged |= contained == true;
        }

        var probed = probe.Try(patch, entry.StripLevel);
        evidence.Add($"at {tag}: {probed.Detail}");
        var verdict = merged ? PatchVerdict.MergedUpstream : probed.Outcome switch
        {
            ProbeOutcome.Applies => PatchVerdict.Needed,
            ProbeOutcome.AlreadyApplied => PatchVerdict.MergedUpstream,
            ProbeOutcome.Gone => PatchVerdict.Obsolete,
            ProbeOutcome.Conflicts => PatchVerdict.Conflicts,
            _ => PatchVerdict.Unknown,
        };
        log.Verbose($"  {entry.Name}: {UpstreamReport.VerdictText(verdict)} ({string.Join("; ", evidence)})");

        return new PatchFinding(entry.Name, patch.Header.Summary, verdict, evidence);
    }

    /// <returns>Whether the thread is a pull request merged into the tag.</returns>
    private async Task<bool> ThreadAsync(GitHubThread thread, string owner, string name, string tag, List<string> evidence)
    {
        var label = $"{thread.Owner}/{thread.Repository}#{thread.Number.ToString(CultureInfo.InvariantCulture)}";
        if (!thread.IsPullRequest)
        {
            var issue = await AskOrMissing(
                $"GET /repos/{thread.Owner}/{thread.Repository}/issues/{thread.Number}",
                () => client.Issue.Get(thread.Owner, thread.Repository, thread.Number));
            evidence.Add(issue is null
                ? $"issue {label} ({thread.Field}) does not exist"
                : $"issue {label} ({thread.Field}) is {issue.State.StringValue}"
                  + (issue.StateReason is { } reason ? $" as {reason.StringValue}" : string.Empty));

            return false;
        }

        var pull = await AskOrMissing(
            $"GET /repos/{thread.Owner}/{thread.Repository}/pulls/{thread.Number}",
            () => client.PullRequest.Get(thread.Owner, thread.Repository, thread.Number));
        if (pull is null)
        {
            evidence.Add($"pull request {label} ({thread.Field}) does not exist");

            return false;
        }

        if (!pull.Merged)
        {
            evidence.Add($"pull request {label} is {pull.State.StringValue}, not merged");

            return false;
        }

        var contained = pull.MergeCommitSha is { } sha ? await ContainsAsync(owner, name, sha, tag) : null;
        evidence.Add($"pull request {label} merged as {Short(pull.MergeCommitSha ?? "?")}, "
            + (contained == true ? $"in {tag}" : $"not in {tag}"));

        return contained == true;
    }

    /// <returns>Whether the tag contains the commit; null when the repository does not know the commit.</returns>
    private async Task<bool?> ContainsAsync(string owner, string name, string sha, string tag)
    {
        var comparison = await AskOrMissing(
            $"GET /repos/{owner}/{name}/compare/{sha}...{tag}",
            () => client.Repository.Commit.Compare(owner, name, sha, tag));

        return comparison?.Status switch
        {
            null => null,
            "ahead" or "identical" => true,
            _ => false,
        };
    }

    private async Task<byte[]?> ContentAsync(string owner, string name, string slug, string path, string tag)
    {
        var request = $"GET /repos/{slug}/contents/{path}?ref={tag}";
        var contents = await AskOrMissing(request, () => client.Repository.Content.GetAllContentsByRef(owner, name, path, tag));
        var file = contents?.FirstOrDefault(c => c.Type.Value == ContentType.File && c.Path == path);
        if (contents is null || file is null)
        {
            return null;
        }

        if (file.Encoding == "base64" && file.EncodedContent is { } encoded)
        {
            return Convert.FromBase64String(encoded);
        }

        // Files over 1 MB come without content in the JSON answer; the raw media type carries them.
        return await Ask(request + " (raw)", () => client.Repository.Content.GetRawContentByRef(owner, name, path, tag));
    }

    private static ApiOptions Pages() => new() { PageSize = 100 };

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;

    private static (string Owner, string Name) Split(string slug, string recipePath)
    {
        var parts = slug.Split('/');

        return parts.Length == 2 && parts.All(p => p.Length > 0)
            ? (parts[0], parts[1])
            : throw new UsageException($"{recipePath}: upstream.github is '{slug}'; write it as owner/name, e.g. mysql/mysql-server.");
    }

    private async Task<T?> AskOrMissing<T>(string request, Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await Ask(request, call, missingIsNull: true);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>Runs one API call and turns every way it can fail into one sentence naming the request.</summary>
    private async Task<T> Ask<T>(string request, Func<Task<T>> call, bool missingIsNull = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await call();
        }
        catch (NotFoundException) when (missingIsNull)
        {
            throw;
        }
        catch (RateLimitExceededException exception)
        {
            var reset = exception.Reset.ToUniversalTime();
            var wait = reset - DateTimeOffset.UtcNow;
            throw new BuildException(
                $"GitHub's rate limit ({exception.Limit.ToString(CultureInfo.InvariantCulture)} requests an hour) is used up at {request}; "
                + $"it resets at {reset:yyyy-MM-dd HH:mm} UTC"
                + (wait > TimeSpan.Zero ? $" (in {Math.Ceiling(wait.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min)" : string.Empty)
                + (options.Token is null ? "; set GITHUB_TOKEN for a higher limit." : "."),
                exception);
        }
        catch (Exception exception) when (exception is SecondaryRateLimitExceededException or AbuseException
            || exception is ApiException { StatusCode: (HttpStatusCode)429 })
        {
            var retryAfter = ((ApiException)exception).HttpResponse?.Headers
                .FirstOrDefault(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase)).Value;
            throw new BuildException(
                $"GitHub's secondary rate limit stopped {request}; "
                + (retryAfter is not null ? $"wait {retryAfter} s" : "wait a few minutes") + " and run UpstreamCheck again.",
                exception);
        }
        catch (AuthorizationException exception)
        {
            throw new BuildException(
                $"GitHub refused the credentials at {request} ({(int)exception.StatusCode}); "
                + "check GITHUB_TOKEN, or unset it to ask anonymously.",
                exception);
        }
        catch (NotFoundException exception)
        {
            throw new BuildException($"GitHub has no {request} (404); check upstream.github in the recipe.", exception);
        }
        catch (ApiException exception) when ((int)exception.StatusCode >= 500)
        {
            throw new BuildException(
                $"GitHub answered {(int)exception.StatusCode} to {request} {options.Attempts} times; try again later.",
                exception);
        }
        catch (ApiException exception)
        {
            throw new BuildException(
                $"GitHub answered {(int)exception.StatusCode} to {request}: {exception.ApiError?.Message ?? exception.Message}.",
                exception);
        }
        catch (Exception exception) when (exception is HttpRequestException or TimeoutRejectedException or IOException
            or System.Net.Sockets.SocketException
            || exception is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new BuildException(
                $"Could not reach GitHub at {options.ApiUrl} for {request} after {options.Attempts} attempts: {exception.Message}",
                exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not BuildException)
        {
            throw new BuildException(
                $"GitHub's answer to {request} is not the JSON its API documents ({exception.GetType().Name}: {exception.Message}).",
                exception);
        }
    }
}
