namespace SnapBuild.Snapcraft;

/// <summary>How the part brings the program into the snap.</summary>
public enum PartForm
{
    /// <summary>Snapcraft pulls the release, applies the series and builds it with CMake.</summary>
    Source,

    /// <summary>Snapcraft dumps the tree this project built and staged for each architecture.</summary>
    Prebuilt,
}

/// <summary>The names recipes and options use for <see cref="PartForm"/>.</summary>
public static class PartForms
{
    public static IReadOnlyList<string> Names { get; } = ["source", "prebuilt"];

    public static PartForm? Parse(string name) => name switch
    {
        "source" => PartForm.Source,
        "prebuilt" => PartForm.Prebuilt,
        _ => null,
    };

    public static string Name(this PartForm form) => form == PartForm.Source ? "source" : "prebuilt";
}
