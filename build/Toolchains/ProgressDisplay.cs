using SnapBuild.Common;
using Spectre.Console;

namespace SnapBuild.Toolchains;

/// <summary>Shows a build's progress: a live bar at a terminal, plain lines at an interval elsewhere.</summary>
public interface IProgressDisplay
{
    void Start(bool interactive, TimeSpan plainInterval);

    void Update(NinjaProgress progress);

    void Finish(NinjaProgress progress);
}

/// <summary>The console's progress display.</summary>
public sealed class ConsoleProgressDisplay : IProgressDisplay
{
    private readonly IBuildLog log;
    private readonly Lock gate = new();
    private readonly Dictionary<string, DateTime> lastLines = [];
    private TimeSpan interval;
    private bool interactive;

    public ConsoleProgressDisplay(IBuildLog log)
    {
        this.log = log;
    }

    public void Start(bool interactive, TimeSpan plainInterval)
    {
        this.interactive = interactive && AnsiConsole.Profile.Capabilities.Interactive;
        interval = plainInterval;
    }

    public void Update(NinjaProgress progress)
    {
        lock (gate)
        {
            if (interactive)
            {
                var width = 30;
                var done = progress.Total == 0 ? 0 : width * progress.Finished / progress.Total;
                var bar = new string('█', done) + new string('░', width - done);
                Console.Write($"\r  [{bar}] {progress.Describe()}\u001b[K");

                return;
            }

            var last = lastLines.GetValueOrDefault(progress.Label, DateTime.UtcNow - progress.Elapsed);
            if (DateTime.UtcNow - last >= interval)
            {
                lastLines[progress.Label] = DateTime.UtcNow;
                var label = progress.Label.Length > 0 ? $" {progress.Label}" : string.Empty;
                log.Information($"  building{label}: {progress.Describe()}");
            }
        }
    }

    public void Finish(NinjaProgress progress)
    {
        if (interactive)
        {
            Console.Write("\r\u001b[K");
        }
    }
}
