using System.Globalization;
using SnapBuild.Common;

namespace SnapBuild.Patches;

/// <summary>
/// A patch's DEP-3 header (the Debian patch tagging guidelines): the fields before the diff.
/// Description or Subject is required; so is Origin unless Author (or From) says who wrote it.
/// </summary>
public sealed record Dep3Header
{
    public required string Description { get; init; }

    public string? Origin { get; init; }

    public string? Author { get; init; }

    public string? Forwarded { get; init; }

    public string? AppliedUpstream { get; init; }

    public string? LastUpdate { get; init; }

    /// <summary><c>Bug</c> and every <c>Bug-&lt;Vendor&gt;</c>, by field name.</summary>
    public IReadOnlyDictionary<string, string> Bugs { get; init; } = new Dictionary<string, string>();

    /// <summary>Every field as written, by name (case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>The first line of the description, for commit subjects and logs.</summary>
    public string Summary => Description.Split('\n')[0].Trim();

    public static Dep3Header Parse(string file, string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? current = null;
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            var trimmed = line.TrimEnd('\r');
            if (PatchFile.StartsDiff(trimmed))
            {
                break;
            }

            if (lineNumber == 1 && IsMboxSeparator(trimmed))
            {
                continue; // git format-patch's first line, "From <commit> Mon Sep 17 00:00:00 2001"
            }

            if (trimmed.Length == 0 || trimmed.Trim() == "---")
            {
                current = null;
                continue;
            }

            if (char.IsWhiteSpace(trimmed[0]))
            {
                if (current is not null)
                {
                    var more = trimmed.Trim() == "." ? string.Empty : trimmed.Trim();
                    fields[current] = fields[current] + "\n" + more;
                }

                continue;
            }

            var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? trimmed[..colon] : string.Empty;
            if (name.Length == 0 || !name.All(c => char.IsLetterOrDigit(c) || c == '-'))
            {
                // Free text after the fields (or before a diff) ends the header.
                if (fields.Count == 0)
                {
                    throw new UsageException(
                        $"{file}:{lineNumber}: the patch has no DEP-3 header; start it with "
                        + "'Description:', 'Author:', 'Origin:', 'Forwarded:' and 'Last-Update:' lines.");
                }

                current = null;
                continue;
            }

            if (fields.ContainsKey(name) && !name.StartsWith("Bug", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"{file}:{lineNumber}: the DEP-3 field '{name}' appears twice; keep one.");
            }

            fields[name] = trimmed[(colon + 1)..].Trim();
            current = name;
        }

        var description = fields.GetValueOrDefault("Description") ?? fields.GetValueOrDefault("Subject");
        if (string.IsNullOrWhiteSpace(description))
        {
            throw new UsageException(
                $"{file}: the DEP-3 header lacks 'Description:' (or 'Subject:'); say what the patch changes and why.");
        }

        var author = fields.GetValueOrDefault("Author") ?? fields.GetValueOrDefault("From");
        var origin = fields.GetValueOrDefault("Origin");
        if (origin is null && author is null)
        {
            throw new UsageException(
                $"{file}: the DEP-3 header needs 'Origin:' or 'Author:'; "
                + "write 'Origin: vendor' for a change of our own.");
        }

        var lastUpdate = fields.GetValueOrDefault("Last-Update");
        if (lastUpdate is not null
            && !DateOnly.TryParseExact(
                lastUpdate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            throw new UsageException(
                $"{file}: the DEP-3 'Last-Update: {lastUpdate}' is not a date; write it as YYYY-MM-DD.");
        }

        return new Dep3Header
        {
            Description = description.Trim(),
            Origin = origin,
            Author = author,
            Forwarded = fields.GetValueOrDefault("Forwarded"),
            AppliedUpstream = fields.GetValueOrDefault("Applied-Upstream"),
            LastUpdate = lastUpdate,
            Bugs = fields
                .Where(f => f.Key.Equals("Bug", StringComparison.OrdinalIgnoreCase)
                    || f.Key.StartsWith("Bug-", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(f => f.Key, f => f.Value, StringComparer.OrdinalIgnoreCase),
            Fields = fields,
        };
    }

    private static bool IsMboxSeparator(string line) =>
        line.StartsWith("From ", StringComparison.Ordinal) && line.Length > 45
        && line.AsSpan(5, 40).ToString().All(char.IsAsciiHexDigit) && line[45] == ' ';
}
