using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace SnapBuild.Tests.Support;

/// <summary>One request the stand-in received, as the tests inspect it.</summary>
public sealed record SeenRequest(string Method, string PathAndQuery, string? IfNoneMatch, string? Authorization, int Status);

/// <summary>
/// A local HTTP server (WireMock.Net) standing in for GitHub's REST API for one repository. Its
/// answers have the shapes GitHub documents for tags, releases, pull requests, issues, commit
/// comparisons and file contents, with the headers GitHub sends (ETag, rate-limit headers, Link
/// pagination), and it honours <c>If-None-Match</c> with 304. Faults (a status, a body that is not
/// JSON) can be queued for requests whose path contains a given text.
/// </summary>
public sealed class FakeGitHub : IDisposable
{
    private const string Web = "https://github.com";
    private readonly WireMockServer server;
    private readonly ConcurrentQueue<SeenRequest> seen = new();
    private readonly List<(string PathPart, Func<ResponseMessage> Answer)> faults = [];
    private readonly Lock gate = new();

    public FakeGitHub(string owner = "acme", string name = "demo")
    {
        Owner = owner;
        Name = name;
        server = WireMockServer.Start();
        server.Given(Request.Create().UsingAnyMethod())
            .RespondWith(Response.Create().WithCallback(Answer));
    }

    public string Owner { get; }

    public string Name { get; }

    /// <summary>The server's root; Octokit adds <c>/api/v3/</c> to any address but github.com's.</summary>
    public string Url => server.Url!;

    public List<(string Name, string Sha)> Tags { get; } = [];

    public List<(string Tag, bool Prerelease)> Releases { get; } = [];

    /// <summary>Pull requests by number: state (<c>open</c>, <c>closed</c>), and the merge commit when merged.</summary>
    public Dictionary<int, (string State, string? MergedAs)> Pulls { get; } = [];

    /// <summary>Issues by number: state and state reason.</summary>
    public Dictionary<int, (string State, string? Reason)> Issues { get; } = [];

    /// <summary>What <c>compare/base...head</c> answers (<c>ahead</c>, <c>behind</c>, <c>identical</c>, <c>diverged</c>).</summary>
    public Dictionary<(string Base, string Head), string> Comparisons { get; } = [];

    /// <summary>File contents by tag and path.</summary>
    public Dictionary<(string Ref, string Path), string> Files { get; } = [];

    /// <summary>File contents by tag and path, as bytes; consulted before <see cref="Files"/>.</summary>
    public Dictionary<(string Ref, string Path), byte[]> RawFiles { get; } = [];

    public int PageSize { get; set; } = 100;

    public IReadOnlyList<SeenRequest> Seen => [.. seen];

    public void ClearSeen() => seen.Clear();

    /// <summary>Answers the next <paramref name="times"/> requests whose path contains <paramref name="pathPart"/> with a fault.</summary>
    public void Fail(string pathPart, Func<ResponseMessage> answer, int times = 1)
    {
        lock (gate)
        {
            for (var i = 0; i < times; i++)
            {
                faults.Add((pathPart, answer));
            }
        }
    }

    public static ResponseMessage ServerError() => Message(500, """{"message":"Server Error"}""");

    /// <summary>An answer that arrives only after <paramref name="delay"/>: a timeout for a client that waits less.</summary>
    public static Func<ResponseMessage> Slow(TimeSpan delay) => () =>
    {
        Thread.Sleep(delay);

        return ServerError();
    };


    public static ResponseMessage NotJson() =>
        Message(200, "<html><body><h1>502 Bad Gateway</h1></body></html>\n", "application/json; charset=utf-8");

    public static ResponseMessage RateLimited(DateTimeOffset reset)
    {
        var message = Message(403, """
            {"message":"API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}
            """);
        message.AddHeader("X-RateLimit-Limit", "60");
        message.AddHeader("X-RateLimit-Remaining", "0");
        message.AddHeader("X-RateLimit-Used", "60");
        message.AddHeader("X-RateLimit-Reset", reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        message.AddHeader("X-RateLimit-Resource", "core");

        return message;
    }

    public static ResponseMessage SecondaryRateLimited()
    {
        var message = Message(403, """
            {"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}
            """);
        message.AddHeader("Retry-After", "60");

        return message;
    }

    public void Dispose() => server.Stop();

    private static ResponseMessage Message(int status, string body, string contentType = "application/json; charset=utf-8")
    {
        var message = new ResponseMessage
        {
            StatusCode = status,
            BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
        message.AddHeader("Content-Type", contentType);
        message.AddHeader("X-GitHub-Media-Type", "github.v3; format=json");

        return message;
    }

    private ResponseMessage Answer(IRequestMessage request)
    {
        var path = request.Path;
        var query = request.RawQuery is { Length: > 0 } raw ? "?" + raw.TrimStart('?') : string.Empty;
        var ifNoneMatch = Header(request, "If-None-Match");
        var authorization = Header(request, "Authorization");
        var answer = Fault(path) ?? Route(request, path);
        if (answer.StatusCode is 200 && answer.BodyData?.BodyAsString is { } body
            && answer.Headers is { } headers && !headers.ContainsKey("X-Fault"))
        {
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..32] + "\"";
            if (ifNoneMatch == etag)
            {
                answer = new ResponseMessage { StatusCode = 304 };
            }

            answer.AddHeader("ETag", etag);
            answer.AddHeader("Cache-Control", "public, max-age=60, s-maxage=60");
            answer.AddHeader("Vary", "Accept, Accept-Encoding, Accept, X-Requested-With");
            answer.AddHeader("X-RateLimit-Limit", "60");
            answer.AddHeader("X-RateLimit-Remaining", "59");
            answer.AddHeader("X-RateLimit-Reset", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            answer.AddHeader("X-RateLimit-Resource", "core");
        }

        seen.Enqueue(new SeenRequest(request.Method, path + query, ifNoneMatch, authorization, Status(answer)));

        return answer;
    }

    private static int Status(ResponseMessage message) =>
        message.StatusCode is int code ? code : int.Parse(message.StatusCode!.ToString()!, CultureInfo.InvariantCulture);

    private static string? Header(IRequestMessage request, string name) =>
        request.Headers?.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    private ResponseMessage? Fault(string path)
    {
        Func<ResponseMessage> answer;
        lock (gate)
        {
            var index = faults.FindIndex(f => path.Contains(f.PathPart, StringComparison.Ordinal));
            if (index < 0)
            {
                return null;
            }

            answer = faults[index].Answer;
            faults.RemoveAt(index);
        }

        // Outside the lock: a slow fault must not hold up the requests that follow it.
        var fault = answer();
        fault.AddHeader("X-Fault", "injected");

        return fault;
    }

    private ResponseMessage Route(IRequestMessage request, string path)
    {
        var prefix = $"/api/v3/repos/{Owner}/{Name}/";
        if (request.Method != "GET" || !path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return NotFound("rest");
        }

        var rest = Uri.UnescapeDataString(path[prefix.Length..]);
        var query = request.Query ?? new Dictionary<string, WireMockList<string>>();
        string? Query(string key) => query.TryGetValue(key, out var values) ? values.FirstOrDefault() : null;

        if (rest == "tags")
        {
            var tags = Tags.Select(t => TagBody(t.Name, t.Sha)).ToList();

            return Page(path, tags, Query("page"), Query("per_page"));
        }

        if (rest == "releases")
        {
            var releases = Releases.Select((r, i) => ReleaseBody(i + 1, r.Tag, r.Prerelease)).ToList();

            return Page(path, releases, Query("page"), Query("per_page"));
        }

        if (rest.StartsWith("pulls/", StringComparison.Ordinal) && int.TryParse(rest[6..], out var pull))
        {
            return Pulls.TryGetValue(pull, out var state)
                ? Json(PullBody(pull, state.State, state.MergedAs))
                : NotFound("pulls/pulls#get-a-pull-request");
        }

        if (rest.StartsWith("issues/", StringComparison.Ordinal) && int.TryParse(rest[7..], out var issue))
        {
            return Issues.TryGetValue(issue, out var state)
                ? Json(IssueBody(issue, state.State, state.Reason))
                : NotFound("issues/issues#get-an-issue");
        }

        if (rest.StartsWith("compare/", StringComparison.Ordinal))
        {
            var range = rest[8..].Split("...");
            return range.Length == 2 && Comparisons.TryGetValue((range[0], range[1]), out var status)
                ? Json(CompareBody(range[0], range[1], status))
                : NotFound("commits/commits#compare-two-commits");
        }

        if (rest.StartsWith("contents/", StringComparison.Ordinal))
        {
            var file = rest[9..];
            var reference = Query("ref") ?? "main";

            if (RawFiles.TryGetValue((reference, file), out var bytes))
            {
                return Json(ContentBody(file, reference, bytes));
            }

            return Files.TryGetValue((reference, file), out var text)
                ? Json(ContentBody(file, reference, Encoding.UTF8.GetBytes(text)))
                : NotFound("repos/contents#get-repository-content");
        }

        return NotFound("rest");
    }

    private ResponseMessage Page(string path, List<JsonObject> items, string? pageText, string? perPageText)
    {
        var perPage = int.TryParse(perPageText, out var p) ? Math.Min(p, PageSize) : Math.Min(30, PageSize);
        var page = int.TryParse(pageText, out var n) ? n : 1;
        var last = Math.Max(1, (items.Count + perPage - 1) / perPage);
        var array = new JsonArray([.. items.Skip((page - 1) * perPage).Take(perPage).Select(i => (JsonNode)i)]);
        var message = Json(array);
        var links = new List<string>();
        string Link(int target, string rel) => $"<{Url}{path}?per_page={perPage}&page={target}>; rel=\"{rel}\"";
        if (page > 1)
        {
            links.Add(Link(page - 1, "prev"));
        }

        if (page < last)
        {
            links.Add(Link(page + 1, "next"));
            links.Add(Link(last, "last"));
        }

        if (page > 1)
        {
            links.Add(Link(1, "first"));
        }

        if (links.Count > 0)
        {
            message.AddHeader("Link", string.Join(", ", links));
        }

        return message;
    }

    private static ResponseMessage Json(JsonNode body) => Message(200, body.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    private static ResponseMessage NotFound(string documentation) => Message(404, $$"""
        {"message":"Not Found","documentation_url":"https://docs.github.com/rest/{{documentation}}","status":"404"}
        """);

    private string Api(string rest) => $"{Url}/api/v3/repos/{Owner}/{Name}/{rest}";

    private static JsonObject User(string login, int id) => new()
    {
        ["login"] = login,
        ["id"] = id,
        ["node_id"] = "MDQ6VXNlcjE=",
        ["avatar_url"] = $"https://avatars.githubusercontent.com/u/{id}?v=4",
        ["gravatar_id"] = "",
        ["url"] = $"https://api.github.com/users/{login}",
        ["html_url"] = $"{Web}/{login}",
        ["type"] = "User",
        ["site_admin"] = false,
    };

    private JsonObject Repository() => new()
    {
        ["id"] = 1296269,
        ["node_id"] = "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        ["name"] = Name,
        ["full_name"] = $"{Owner}/{Name}",
        ["owner"] = User(Owner, 1),
        ["private"] = false,
        ["html_url"] = $"{Web}/{Owner}/{Name}",
        ["description"] = "The demo upstream",
        ["fork"] = false,
        ["url"] = $"{Url}/api/v3/repos/{Owner}/{Name}",
        ["default_branch"] = "trunk",
        ["visibility"] = "public",
    };

    private JsonObject TagBody(string name, string sha) => new()
    {
        ["name"] = name,
        ["commit"] = new JsonObject { ["sha"] = sha, ["url"] = Api($"commits/{sha}") },
        ["zipball_url"] = Api($"zipball/{name}"),
        ["tarball_url"] = Api($"tarball/{name}"),
        ["node_id"] = "MDQ6VXNlcjE=",
    };

    private JsonObject ReleaseBody(int id, string tag, bool prerelease) => new()
    {
        ["url"] = Api($"releases/{id}"),
        ["html_url"] = $"{Web}/{Owner}/{Name}/releases/tag/{tag}",
        ["assets_url"] = Api($"releases/{id}/assets"),
        ["upload_url"] = $"https://uploads.github.com/repos/{Owner}/{Name}/releases/{id}/assets{{?name,label}}",
        ["tarball_url"] = Api($"tarball/{tag}"),
        ["zipball_url"] = Api($"zipball/{tag}"),
        ["id"] = id,
        ["node_id"] = "MDc6UmVsZWFzZTE=",
        ["tag_name"] = tag,
        ["target_commitish"] = "trunk",
        ["name"] = tag,
        ["body"] = $"Release {tag}",
        ["draft"] = false,
        ["prerelease"] = prerelease,
        ["created_at"] = "2026-10-01T12:00:00Z",
        ["published_at"] = "2026-10-01T12:30:00Z",
        ["author"] = User("release-bot", 2),
        ["assets"] = new JsonArray(),
    };

    private JsonObject PullBody(int number, string state, string? mergedAs)
    {
        var merged = mergedAs is not null;
        JsonObject Branch(string label, string reference) => new()
        {
            ["label"] = $"{Owner}:{label}",
            ["ref"] = reference,
            ["sha"] = "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            ["user"] = User(Owner, 1),
            ["repo"] = Repository(),
        };

        return new JsonObject
        {
            ["url"] = Api($"pulls/{number}"),
            ["id"] = 1000 + number,
            ["node_id"] = "MDExOlB1bGxSZXF1ZXN0MQ==",
            ["html_url"] = $"{Web}/{Owner}/{Name}/pull/{number}",
            ["diff_url"] = $"{Web}/{Owner}/{Name}/pull/{number}.diff",
            ["patch_url"] = $"{Web}/{Owner}/{Name}/pull/{number}.patch",
            ["issue_url"] = Api($"issues/{number}"),
            ["commits_url"] = Api($"pulls/{number}/commits"),
            ["review_comments_url"] = Api($"pulls/{number}/comments"),
            ["review_comment_url"] = Api("pulls/comments{/number}"),
            ["comments_url"] = Api($"issues/{number}/comments"),
            ["statuses_url"] = Api("statuses/6dcb09b5b57875f334f61aebed695e2e4193db5e"),
            ["number"] = number,
            ["state"] = state,
            ["locked"] = false,
            ["title"] = $"Make the thing optional ({number})",
            ["user"] = User("contributor", 3),
            ["body"] = "Please pull these awesome changes in!",
            ["labels"] = new JsonArray(),
            ["milestone"] = null,
            ["active_lock_reason"] = null,
            ["created_at"] = "2026-09-01T10:00:00Z",
            ["updated_at"] = "2026-09-10T10:00:00Z",
            ["closed_at"] = state == "closed" ? "2026-09-10T10:00:00Z" : null,
            ["merged_at"] = merged ? "2026-09-10T10:00:00Z" : null,
            ["merge_commit_sha"] = mergedAs ?? "e5bd3914e2e596debea16f433f57875b5b90bcd6",
            ["assignee"] = null,
            ["assignees"] = new JsonArray(),
            ["requested_reviewers"] = new JsonArray(),
            ["requested_teams"] = new JsonArray(),
            ["head"] = Branch("topic", "topic"),
            ["base"] = Branch("trunk", "trunk"),
            ["author_association"] = "CONTRIBUTOR",
            ["auto_merge"] = null,
            ["draft"] = false,
            ["merged"] = merged,
            ["mergeable"] = merged ? null : true,
            ["rebaseable"] = merged ? null : true,
            ["mergeable_state"] = merged ? "unknown" : "clean",
            ["merged_by"] = merged ? User("maintainer", 4) : null,
            ["comments"] = 2,
            ["review_comments"] = 0,
            ["maintainer_can_modify"] = false,
            ["commits"] = 1,
            ["additions"] = 12,
            ["deletions"] = 3,
            ["changed_files"] = 2,
        };
    }

    private JsonObject IssueBody(int number, string state, string? reason) => new()
    {
        ["url"] = Api($"issues/{number}"),
        ["repository_url"] = $"{Url}/api/v3/repos/{Owner}/{Name}",
        ["labels_url"] = Api($"issues/{number}/labels{{/name}}"),
        ["comments_url"] = Api($"issues/{number}/comments"),
        ["events_url"] = Api($"issues/{number}/events"),
        ["html_url"] = $"{Web}/{Owner}/{Name}/issues/{number}",
        ["id"] = 2000 + number,
        ["node_id"] = "MDU6SXNzdWUx",
        ["number"] = number,
        ["title"] = $"The thing is not optional ({number})",
        ["user"] = User("reporter", 5),
        ["labels"] = new JsonArray(),
        ["state"] = state,
        ["state_reason"] = reason,
        ["locked"] = false,
        ["assignee"] = null,
        ["assignees"] = new JsonArray(),
        ["milestone"] = null,
        ["comments"] = 1,
        ["created_at"] = "2026-08-01T10:00:00Z",
        ["updated_at"] = "2026-08-02T10:00:00Z",
        ["closed_at"] = state == "closed" ? "2026-08-02T10:00:00Z" : null,
        ["author_association"] = "NONE",
        ["body"] = "It should be optional.",
        ["closed_by"] = state == "closed" ? User("maintainer", 4) : null,
    };

    private JsonObject Commit(string sha) => new()
    {
        ["url"] = Api($"commits/{sha}"),
        ["sha"] = sha,
        ["node_id"] = "MDY6Q29tbWl0MQ==",
        ["html_url"] = $"{Web}/{Owner}/{Name}/commit/{sha}",
        ["comments_url"] = Api($"commits/{sha}/comments"),
        ["commit"] = new JsonObject
        {
            ["url"] = Api($"git/commits/{sha}"),
            ["author"] = new JsonObject { ["name"] = "Monalisa Octocat", ["email"] = "support@github.com", ["date"] = "2026-09-10T10:00:00Z" },
            ["committer"] = new JsonObject { ["name"] = "Monalisa Octocat", ["email"] = "support@github.com", ["date"] = "2026-09-10T10:00:00Z" },
            ["message"] = "Fix all the bugs",
            ["tree"] = new JsonObject { ["url"] = Api("git/trees/6dcb09b5b57875f334f61aebed695e2e4193db5e"), ["sha"] = "6dcb09b5b57875f334f61aebed695e2e4193db5e" },
            ["comment_count"] = 0,
            ["verification"] = new JsonObject { ["verified"] = false, ["reason"] = "unsigned", ["signature"] = null, ["payload"] = null },
        },
        ["author"] = User("octocat", 6),
        ["committer"] = User("octocat", 6),
        ["parents"] = new JsonArray(),
    };

    private JsonObject CompareBody(string from, string to, string status) => new()
    {
        ["url"] = Api($"compare/{from}...{to}"),
        ["html_url"] = $"{Web}/{Owner}/{Name}/compare/{from}...{to}",
        ["permalink_url"] = $"{Web}/{Owner}/{Name}/compare/{Owner}:{from}...{Owner}:{to}",
        ["diff_url"] = $"{Web}/{Owner}/{Name}/compare/{from}...{to}.diff",
        ["patch_url"] = $"{Web}/{Owner}/{Name}/compare/{from}...{to}.patch",
        ["base_commit"] = Commit(from),
        ["merge_base_commit"] = Commit(from),
        ["status"] = status,
        ["ahead_by"] = status is "ahead" or "diverged" ? 4 : 0,
        ["behind_by"] = status is "behind" or "diverged" ? 2 : 0,
        ["total_commits"] = status is "ahead" or "diverged" ? 4 : 0,
        ["commits"] = new JsonArray(),
        ["files"] = new JsonArray(),
    };

    private JsonObject ContentBody(string path, string reference, byte[] bytes)
    {
        var base64 = Convert.ToBase64String(bytes);
        var wrapped = string.Join("\n", base64.Chunk(60).Select(c => new string(c))) + "\n";
#pragma warning disable CA5350 // git names blobs by SHA-1; this is their name, not a security check.
        var sha = Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));
#pragma warning restore CA5350

        return new JsonObject
        {
            ["type"] = "file",
            ["encoding"] = "base64",
            ["size"] = bytes.Length,
            ["name"] = Path.GetFileName(path),
            ["path"] = path,
            ["content"] = wrapped,
            ["sha"] = sha,
            ["url"] = Api($"contents/{path}?ref={reference}"),
            ["git_url"] = Api($"git/blobs/{sha}"),
            ["html_url"] = $"{Web}/{Owner}/{Name}/blob/{reference}/{path}",
            ["download_url"] = $"https://raw.githubusercontent.com/{Owner}/{Name}/{reference}/{path}",
            ["_links"] = new JsonObject
            {
                ["git"] = Api($"git/blobs/{sha}"),
                ["self"] = Api($"contents/{path}?ref={reference}"),
                ["html"] = $"{Web}/{Owner}/{Name}/blob/{reference}/{path}",
            },
        };
    }
}
