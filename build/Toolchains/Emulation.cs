namespace SnapBuild.Toolchains;

/// <summary>Runs a foreign architecture's programs under qemu-user, with Debian's cross sysroot for its libraries.</summary>
public static class Emulation
{
    /// <summary>The command line as given for the host; prefixed with qemu-user for a foreign architecture.</summary>
    public static List<string> Wrap(Architecture architecture, IReadOnlyList<string> argv) =>
        architecture.IsHost ? [.. argv]
        : architecture.QemuPrefix is { } prefix ? [architecture.Qemu, "-L", prefix, .. argv]
        : [architecture.Qemu, .. argv];
}
