using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Octokit.Caching;
using Octokit.Internal;
using SnapBuild.Common;

namespace SnapBuild.Upstream;

/// <summary>
/// Octokit's <see cref="IResponseCache"/> on disk: one JSON file per GET URL holding the status,
/// the response headers and the body of the last 200 answer that carried an ETag, so that
/// <see cref="CachingHttpClient"/> can send <c>If-None-Match</c> on the next run and take a 304 as
/// "use what you have". Request headers (and with them the token) are never written; the file name
/// is a hash of the URL alone.
/// </summary>
public sealed class ResponseCache : IResponseCache
{
    public ResponseCache(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public Task<CachedResponse.V1> GetAsync(IRequest request)
    {
        var path = PathFor(request);
        if (!File.Exists(path))
        {
            return Task.FromResult<CachedResponse.V1>(null!);
        }

        try
        {
            var entry = JsonSerializer.Deserialize(File.ReadAllBytes(path), ResponseCacheJson.Default.Entry);
            if (entry is null || entry.Url != Key(request))
            {
                return Task.FromResult<CachedResponse.V1>(null!);
            }

            var response = new CachedResponse.V1(
                entry.Body, entry.Headers, null!, (HttpStatusCode)entry.Status, entry.ContentType);

            return Task.FromResult(response);
        }
        catch (JsonException)
        {
            // A damaged entry is a miss; the next 200 answer replaces it.
            return Task.FromResult<CachedResponse.V1>(null!);
        }
    }

    /// <remarks>
    /// Octokit does not await this call, so the write happens before it returns: the entry is on
    /// disk by the time the answer reaches the caller.
    /// </remarks>
    public Task SetAsync(IRequest request, CachedResponse.V1 cachedResponse)
    {
        if (cachedResponse.StatusCode != HttpStatusCode.OK
            || cachedResponse.Body is not string body
            || !cachedResponse.Headers.Keys.Any(k => k.Equals("ETag", StringComparison.OrdinalIgnoreCase)))
        {
            return Task.CompletedTask;
        }

        var entry = new Entry
        {
            Url = Key(request),
            Status = (int)cachedResponse.StatusCode,
            ContentType = cachedResponse.ContentType,
            Headers = cachedResponse.Headers
                .Where(h => !h.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase),
            Body = body,
        };
        AtomicFile.WriteAllBytes(
            PathFor(request), JsonSerializer.SerializeToUtf8Bytes(entry, ResponseCacheJson.Default.Entry));

        return Task.CompletedTask;
    }

    private static string Key(IRequest request)
    {
        var url = request.BaseAddress is { } baseAddress ? new Uri(baseAddress, request.Endpoint) : request.Endpoint;
        var accept = request.Headers.TryGetValue("Accept", out var value) ? value : string.Empty;

        return $"{url} {accept}";
    }

    private string PathFor(IRequest request) =>
        Path.Combine(Directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key(request))))[..32] + ".json");

    internal sealed class Entry
    {
        public string Url { get; init; } = string.Empty;

        public int Status { get; init; }

        public string? ContentType { get; init; }

        public Dictionary<string, string> Headers { get; init; } = [];

        public string Body { get; init; } = string.Empty;
    }
}

/// <summary>
/// The cache entries' JSON, generated at compile time (the Native AOT host has no
/// reflection-based JSON).
/// </summary>
[JsonSerializable(typeof(ResponseCache.Entry))]
internal sealed partial class ResponseCacheJson : JsonSerializerContext;
