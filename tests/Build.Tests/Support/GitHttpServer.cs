using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SnapBuild.Tests.Support;

/// <summary>
/// Serves a folder of git repositories over smart HTTP on 127.0.0.1, by running git's own
/// <c>git http-backend</c> as a CGI program for each request, as a real git server does.
/// </summary>
public sealed class GitHttpServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly string root;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int requests;

    public GitHttpServer(string root)
    {
        this.root = root;
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(Serve);
    }

    public int Port { get; }

    public int Requests => Volatile.Read(ref requests);

    /// <summary>The URL of a repository folder below the root.</summary>
    public string UrlOf(string repository) => $"http://127.0.0.1:{Port}/{repository}";

    public void Dispose()
    {
        stop.Cancel();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under the loop.
        }

        stop.Dispose();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();

        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task Serve()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        Interlocked.Increment(ref requests);
        var request = context.Request;
        var response = context.Response;
        try
        {
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            var info = new ProcessStartInfo("git", ["http-backend"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment["GIT_PROJECT_ROOT"] = root;
            info.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
            info.Environment["PATH_INFO"] = Uri.UnescapeDataString(request.Url!.AbsolutePath);
            info.Environment["QUERY_STRING"] = request.Url.Query.TrimStart('?');
            info.Environment["REQUEST_METHOD"] = request.HttpMethod;
            info.Environment["CONTENT_TYPE"] = request.ContentType ?? string.Empty;
            info.Environment["CONTENT_LENGTH"] = body.Length.ToString();
            info.Environment["REMOTE_ADDR"] = "127.0.0.1";
            if (request.Headers["Content-Encoding"] is { } encoding)
            {
                info.Environment["HTTP_CONTENT_ENCODING"] = encoding;
            }

            if (request.Headers["Git-Protocol"] is { } protocol)
            {
                info.Environment["GIT_PROTOCOL"] = protocol;
            }

            using var process = Process.Start(info)!;
            var errors = process.StandardError.ReadToEndAsync();
            body.Position = 0;
            await body.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();
            using var output = new MemoryStream();
            await process.StandardOutput.BaseStream.CopyToAsync(output);
            await process.WaitForExitAsync();
            await errors;
            WriteCgiResponse(output.ToArray(), response);
        }
        catch (Exception exception) when (exception is IOException or HttpListenerException or InvalidOperationException)
        {
            response.StatusCode = 500;
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
            {
                // The client went away.
            }
        }
    }

    /// <summary>Splits the CGI output into headers (with an optional Status line) and the body.</summary>
    private static void WriteCgiResponse(byte[] output, HttpListenerResponse response)
    {
        var split = IndexOf(output, "\r\n\r\n"u8, out var separator);
        var head = System.Text.Encoding.ASCII.GetString(output, 0, split < 0 ? 0 : split);
        foreach (var line in head.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = value;
            }
            else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                response.AddHeader(name, value);
            }
        }

        var start = split < 0 ? 0 : split + separator;
        response.ContentLength64 = output.Length - start;
        response.OutputStream.Write(output, start, output.Length - start);
    }

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> pattern, out int length)
    {
        length = pattern.Length;
        var index = data.AsSpan().IndexOf(pattern);
        if (index >= 0)
        {
            return index;
        }

        length = 2;

        return data.AsSpan().IndexOf("\n\n"u8);
    }
}
