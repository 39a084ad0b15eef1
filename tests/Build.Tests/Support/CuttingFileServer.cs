using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SnapBuild.Tests.Support;

/// <summary>
/// A minimal HTTP/1.1 server on loopback for one file that sends only half of the body and then
/// closes the connection for the first <c>cutFirst</c> requests, as a server dying mid-download would.
/// </summary>
public sealed class CuttingFileServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly byte[] content;
    private int toCut;
    private int requests;

    public CuttingFileServer(string file, int cutFirst)
    {
        content = File.ReadAllBytes(file);
        Name = Path.GetFileName(file);
        toCut = cutFirst;
        listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Name { get; }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/{Name}";

    public int Requests => Volatile.Read(ref requests);

    public void Dispose() => listener.Stop();

    private async Task ServeAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                var stream = client.GetStream();
                var buffer = new byte[4096];
                _ = await stream.ReadAsync(buffer);
                Interlocked.Increment(ref requests);
                var cut = Interlocked.Decrement(ref toCut) >= 0;
                var header = Encoding.ASCII.GetBytes(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\nConnection: close\r\n"
                    + $"Content-Length: {content.Length.ToString(CultureInfo.InvariantCulture)}\r\n\r\n");
                await stream.WriteAsync(header);
                await stream.WriteAsync(cut ? content.AsMemory(0, content.Length / 2) : content);
                await stream.FlushAsync();
            }
        }
    }
}
