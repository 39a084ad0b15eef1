using System.Globalization;
using System.Text.RegularExpressions;

namespace SnapBuild.Toolchains;

/// <summary>Ninja's own status, parsed from the <c>[finished/total]</c> prefix it is told to print.</summary>
public sealed partial class NinjaProgress
{
    /// <summary>The status format ninja is given: finished and total edges.</summary>
    public const string StatusFormat = "[%f/%t] ";

    private readonly DateTime started = DateTime.UtcNow;

    public NinjaProgress(string label = "")
    {
        Label = label;
    }

    /// <summary>Which build this is (architecture and variant), for lines of builds running side by side.</summary>
    public string Label { get; }

    public int Finished { get; private set; }

    public int Total { get; private set; }

    public TimeSpan Elapsed => DateTime.UtcNow - started;

    /// <summary>An estimate from the average time per finished step; null until a step is done.</summary>
    public TimeSpan? Remaining =>
        Finished == 0 || Total == 0
            ? null
            : TimeSpan.FromSeconds(Elapsed.TotalSeconds / Finished * (Total - Finished));

    /// <summary>Reads one line of ninja's output; returns whether it was a status line.</summary>
    public bool Observe(string line)
    {
        var match = Status().Match(line);
        if (!match.Success)
        {
            return false;
        }

        Finished = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Total = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);

        return true;
    }

    public string Describe()
    {
        var left = Remaining is { } remaining ? $", about {Format(remaining)} left" : string.Empty;

        return $"{Finished}/{Total} steps, {Format(Elapsed)} elapsed{left}";
    }

    public static string Format(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes:00}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds:00}s"
        : $"{span.TotalSeconds:F1}s";

    [GeneratedRegex(@"^\[(\d+)/(\d+)\] ")]
    private static partial Regex Status();
}
