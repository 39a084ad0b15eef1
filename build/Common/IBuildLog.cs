namespace SnapBuild.Common;

/// <summary>
/// The log that plain (Cake-free) classes write to; the Cake layer adapts it to Cake's log and
/// verbosity, and tests collect it.
/// </summary>
public interface IBuildLog
{
    void Information(string message);

    void Verbose(string message);

    void Warning(string message);
}

/// <summary>A log that keeps every line, for tests and for callers that report later.</summary>
public sealed class CollectingLog : IBuildLog
{
    private readonly List<string> lines = [];
    private readonly Lock gate = new();

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (gate)
            {
                return [.. lines];
            }
        }
    }

    public void Information(string message) => Add("info", message);

    public void Verbose(string message) => Add("verbose", message);

    public void Warning(string message) => Add("warning", message);

    private void Add(string level, string message)
    {
        lock (gate)
        {
            lines.Add($"{level}: {message}");
        }
    }
}
