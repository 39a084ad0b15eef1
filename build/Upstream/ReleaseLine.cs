using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SnapBuild.Upstream;

/// <summary>A release tag read as a version: <c>mysql-9.7.2</c> is 9.7.2 of the <c>mysql-</c> family.</summary>
public sealed record TagVersion(string Tag, IReadOnlyList<int> Numbers) : IComparable<TagVersion>
{
    public string Version => string.Join('.', Numbers);

    /// <summary>Compares number by number, so 9.10.0 is newer than 9.9.9 and 9.7 older than 9.7.0.</summary>
    public int CompareTo(TagVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        for (var i = 0; i < Math.Max(Numbers.Count, other.Numbers.Count); i++)
        {
            var mine = i < Numbers.Count ? Numbers[i] : -1;
            var theirs = i < other.Numbers.Count ? other.Numbers[i] : -1;
            if (mine != theirs)
            {
                return mine.CompareTo(theirs);
            }
        }

        return string.CompareOrdinal(Tag, other.Tag);
    }

    public static bool operator <(TagVersion left, TagVersion right) => left.CompareTo(right) < 0;

    public static bool operator <=(TagVersion left, TagVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >(TagVersion left, TagVersion right) => left.CompareTo(right) > 0;

    public static bool operator >=(TagVersion left, TagVersion right) => left.CompareTo(right) >= 0;
}

/// <summary>
/// The recipe's tracked release line, a glob over tag names such as <c>mysql-9.7.*</c>. Its text
/// before the first digit or wildcard is the tag family (<c>mysql-</c>): tags of that family whose
/// rest is a plain dotted version are releases; anything else (<c>mysql-cluster-9.7.2</c>,
/// <c>mysql-9.7.2-rc</c>) is not.
/// </summary>
public sealed partial class ReleaseLine
{
    private static readonly SearchValues<char> VersionStart = SearchValues.Create("0123456789*?[");
    private readonly Regex track;

    public ReleaseLine(string pattern)
    {
        Pattern = pattern;
        var familyEnd = pattern.AsSpan().IndexOfAny(VersionStart);
        Family = familyEnd < 0 ? pattern : pattern[..familyEnd];
        var expression = "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal)
            .Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        track = new Regex(expression, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    public string Pattern { get; }

    public string Family { get; }

    /// <summary>The version of a release tag of this family, or null for anything else.</summary>
    public TagVersion? Parse(string tag)
    {
        if (!tag.StartsWith(Family, StringComparison.Ordinal) || !DottedVersion().IsMatch(tag[Family.Length..]))
        {
            return null;
        }

        var numbers = tag[Family.Length..]
            .Split('.')
            .Select(n => int.Parse(n, NumberStyles.None, CultureInfo.InvariantCulture))
            .ToList();

        return new TagVersion(tag, numbers);
    }

    public bool IsTracked(string tag) => track.IsMatch(tag) && Parse(tag) is not null;

    /// <summary>The newest release of the family, and the newest one the track pattern matches.</summary>
    public (TagVersion? Overall, TagVersion? Tracked) Newest(IEnumerable<string> tags)
    {
        var versions = tags.Distinct(StringComparer.Ordinal).Select(Parse).OfType<TagVersion>().ToList();

        return (versions.Max(), versions.Where(v => IsTracked(v.Tag)).Max());
    }

    [GeneratedRegex(@"^[0-9]{1,9}(\.[0-9]{1,9})*$")]
    private static partial Regex DottedVersion();
}
