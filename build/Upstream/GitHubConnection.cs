using System.Net;
using Octokit;
using Octokit.Caching;
using Octokit.Internal;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace SnapBuild.Upstream;

/// <summary>How the upstream check reaches GitHub.</summary>
public sealed record GitHubOptions
{
    /// <summary>The API root: <c>https://api.github.com</c>, or a GitHub Enterprise or test server.</summary>
    public Uri ApiUrl { get; init; } = new("https://api.github.com");

    /// <summary>A token for higher rate limits and private repositories; null asks anonymously.</summary>
    public string? Token { get; init; }

    /// <summary>Where answers are kept with their ETags between runs; null keeps nothing.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Attempts per request for 5xx answers, timeouts and dropped connections.</summary>
    public int Attempts { get; init; } = 4;

    /// <summary>The wait before the first retry; each further retry waits twice as long, with jitter.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may take before it counts as a timeout.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The options a run's settings give: API root, token, and the cache's <c>github/</c> folder.</summary>
    public static GitHubOptions From(Settings.BuildSettings settings) => new()
    {
        ApiUrl = settings.GitHubApiUrl.Value,
        Token = settings.GitHubToken.Value,
        CacheDirectory = Path.Combine(settings.CacheDirectory.Value, "github"),
    };
}

/// <summary>What went over the wire in one run, for the log line at the end of the check.</summary>
public sealed class RequestCounts
{
    private int sent;
    private int notModified;
    private int retried;

    public int Sent => sent;

    public int NotModified => notModified;

    public int Retried => retried;

    internal void CountSent() => Interlocked.Increment(ref sent);

    internal void CountNotModified() => Interlocked.Increment(ref notModified);

    internal void CountRetry() => Interlocked.Increment(ref retried);
}

/// <summary>
/// An Octokit client wired for a batch job: answers cached on disk with their ETags
/// (<see cref="CachingHttpClient"/> over <see cref="ResponseCache"/>), transient failures retried
/// with exponential backoff by Polly below Octokit, and every request counted.
/// </summary>
public static class GitHubConnection
{
    public static GitHubClient Create(GitHubOptions options, RequestCounts counts)
    {
        var pipeline = RetryPipeline(options, counts);
        IHttpClient http = new HttpClientAdapter(() => new ResilientHandler(pipeline, counts)
        {
            InnerHandler = new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All },
        });
        if (options.CacheDirectory is { } directory)
        {
            http = new CachingHttpClient(http, new ResponseCache(directory));
        }

        var baseAddress = ApiRoot(options.ApiUrl);
        var connection = new Connection(
            new ProductHeaderValue("snap-build"),
            baseAddress,
            new InMemoryCredentialStore(options.Token is { Length: > 0 } token ? new Credentials(token) : Credentials.Anonymous),
            http,
            new SimpleJsonSerializer());

        return new GitHubClient(connection);
    }

    /// <summary>
    /// The REST root as Octokit's client would fix it up: github.com's API as it is, and for any other
    /// server (GitHub Enterprise, a test stand-in) its <c>/api/v3/</c> below the given address.
    /// </summary>
    public static Uri ApiRoot(Uri url)
    {
        if (url.Host.Equals("github.com", StringComparison.OrdinalIgnoreCase)
            || url.Host.Equals("api.github.com", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri("https://api.github.com/");
        }

        var path = url.AbsolutePath.TrimEnd('/');

        return new Uri(url, path.EndsWith("/api/v3", StringComparison.OrdinalIgnoreCase) ? path + "/" : path + "/api/v3/");
    }

    /// <summary>Retries what another attempt can fix: 5xx answers, timeouts and broken connections.</summary>
    private static ResiliencePipeline<HttpResponseMessage> RetryPipeline(GitHubOptions options, RequestCounts counts) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(0, options.Attempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.FirstRetryDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .Handle<IOException>()
                    .Handle<System.Net.Sockets.SocketException>()
                    .HandleResult(r => (int)r.StatusCode >= 500),
                OnRetry = arguments =>
                {
                    counts.CountRetry();
                    arguments.Outcome.Result?.Dispose();

                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();

    /// <summary>Runs each request through the retry pipeline, reading the whole body inside it.</summary>
    private sealed class ResilientHandler(ResiliencePipeline<HttpResponseMessage> pipeline, RequestCounts counts)
        : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            await pipeline.ExecuteAsync(
                async token =>
                {
                    counts.CountSent();
                    var response = await base.SendAsync(request, token).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.NotModified)
                    {
                        counts.CountNotModified();
                    }

                    // A connection cut in the middle of the body is a transient failure too: read it
                    // here, inside the attempt, so that it is retried like any other.
                    await response.Content.LoadIntoBufferAsync(token).ConfigureAwait(false);

                    return response;
                },
                cancellationToken).ConfigureAwait(false);
    }
}
