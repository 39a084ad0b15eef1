namespace SnapBuild.Snapcraft;

/// <summary>
/// The snap base the part is written for. It decides how the build plan is spelled: core22 lists
/// <c>architectures</c> with <c>build-on</c>/<c>build-for</c>, core24 names <c>platforms</c>.
/// </summary>
public enum SnapBase
{
    Core22,
    Core24,
}

/// <summary>The names recipes, options and snapcraft.yaml use for <see cref="SnapBase"/>.</summary>
public static class SnapBases
{
    public static IReadOnlyList<string> Names { get; } = ["core22", "core24"];

    public static SnapBase? Parse(string name) => name switch
    {
        "core22" => SnapBase.Core22,
        "core24" => SnapBase.Core24,
        _ => null,
    };

    public static string Name(this SnapBase snapBase) => snapBase == SnapBase.Core22 ? "core22" : "core24";
}
