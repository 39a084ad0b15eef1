namespace SnapBuild.Common;

/// <summary>Finds the nearest valid name for a mistyped one, so an error can say "did you mean".</summary>
public static class Suggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="value"/> by edit distance, when it is close enough
    /// to be a plausible typo (at most a third of the longer name, and at least one edit).
    /// </summary>
    public static string? Nearest(string value, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(value.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var limit = Math.Max(2, Math.Max(value.Length, best?.Length ?? 0) / 3);

        return bestDistance <= limit ? best : null;
    }

    /// <summary>" (did you mean 'x'?)" or an empty string.</summary>
    public static string DidYouMean(string value, IEnumerable<string> candidates)
    {
        var nearest = Nearest(value, candidates);

        return nearest is null ? string.Empty : $"; did you mean '{nearest}'?";
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions, swaps.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
