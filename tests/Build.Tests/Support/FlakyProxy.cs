using System.Net;
using System.Net.Sockets;

namespace SnapBuild.Tests.Support;

/// <summary>
/// A TCP proxy on loopback in front of a local server that cuts the first connections it is
/// given (reset, mid-request), as a server that dies during a fetch would, and forwards the rest.
/// </summary>
public sealed class FlakyProxy : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private int toCut;
    private int cut;

    public FlakyProxy(int targetPort, int cutFirst)
    {
        toCut = cutFirst;
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(() => AcceptAsync(targetPort));
    }

    public int Port { get; }

    /// <summary>Connections cut so far.</summary>
    public int Cut => Volatile.Read(ref cut);

    /// <summary>Cut every connection from now on (<c>int.MaxValue</c>) or none (0).</summary>
    public void CutNext(int connections) => Volatile.Write(ref toCut, connections);

    public string UrlOf(string repository) => $"http://127.0.0.1:{Port}/{repository}";

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
    }

    private async Task AcceptAsync(int targetPort)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (Interlocked.Decrement(ref toCut) >= 0)
            {
                Interlocked.Increment(ref cut);
                _ = Task.Run(async () =>
                {
                    // Read part of the request, then reset the connection.
                    var buffer = new byte[64];
                    _ = await client.GetStream().ReadAsync(buffer);
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                });
                continue;
            }

            _ = Task.Run(() => ForwardAsync(client, targetPort));
        }
    }

    private static async Task ForwardAsync(TcpClient client, int targetPort)
    {
        using (client)
        using (var server = new TcpClient())
        {
            await server.ConnectAsync(IPAddress.Loopback, targetPort);
            var up = client.GetStream().CopyToAsync(server.GetStream());
            var down = server.GetStream().CopyToAsync(client.GetStream());
            await Task.WhenAny(up, down);
        }
    }
}
