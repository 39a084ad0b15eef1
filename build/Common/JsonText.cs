using System.Text.Json;
using System.Text.Json.Nodes;

namespace SnapBuild.Common;

/// <summary>
/// The reports' JSON, written from <see cref="JsonObject"/> trees rather than by reflection over
/// anonymous types, so the Native AOT host writes the same text as the tests' build.
/// </summary>
public static class JsonText
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Indented JSON with a final newline.</summary>
    public static string Write(JsonNode node) => node.ToJsonString(Indented) + "\n";

    /// <summary>An enum value's name in snake case: <c>NeedsAttention</c> is <c>needs_attention</c>.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
