namespace SnapBuild.Toolchains;

/// <summary>
/// One architecture the pipeline builds for, with every name the tools involved give it: snap and
/// Debian, GNU triplet, CMake system processor, multiarch directory, qemu-user binary, and the
/// ELF machine and class its binaries must carry.
/// </summary>
public sealed record Architecture(
    string Name,
    string Triplet,
    string CMakeProcessor,
    string Multiarch,
    string Qemu,
    ushort ElfMachine,
    byte ElfClass,
    string Loader)
{
    public const byte Elf32 = 1;
    public const byte Elf64 = 2;

    /// <summary>The table: the only place these names are written down.</summary>
    public static readonly IReadOnlyList<Architecture> All =
    [
        new("amd64", "x86_64-linux-gnu", "x86_64", "x86_64-linux-gnu", "qemu-x86_64", 62, Elf64, "/lib64/ld-linux-x86-64.so.2"),
        new("arm64", "aarch64-linux-gnu", "aarch64", "aarch64-linux-gnu", "qemu-aarch64", 183, Elf64, "/lib/ld-linux-aarch64.so.1"),
        new("armhf", "arm-linux-gnueabihf", "arm", "arm-linux-gnueabihf", "qemu-arm", 40, Elf32, "/lib/ld-linux-armhf.so.3"),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(a => a.Name).ToList();

    /// <summary>The architecture this program runs on, as Debian names it.</summary>
    public static Architecture Host { get; } = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => Named("arm64"),
        System.Runtime.InteropServices.Architecture.Arm => Named("armhf"),
        _ => Named("amd64"),
    };

    public bool IsHost => Name == Host.Name;

    /// <summary>The Debian packages that cross-compile for this architecture from the host.</summary>
    public IReadOnlyList<string> CrossPackages =>
        IsHost ? [] : [$"gcc-{Triplet}", $"g++-{Triplet}", "qemu-user"];

    /// <summary>Where Debian's cross toolchain keeps this architecture's C library, for qemu's -L.</summary>
    public string SysRoot => $"/usr/{Triplet}";

    /// <summary>
    /// The library prefix qemu-user should use: none when the architecture's own C library is
    /// installed through multiarch (its loader is in /lib), since the loader then reads the
    /// host's ld.so.cache and must match the multiarch libraries it lists; the cross
    /// toolchain's sysroot otherwise.
    /// </summary>
    public string? QemuPrefix => File.Exists(Loader) ? null : SysRoot;

    public string ElfDescription => $"{ElfName(ElfMachine)}, {(ElfClass == Elf64 ? "64" : "32")}-bit";

    public static Architecture Named(string name) =>
        All.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException($"Unknown architecture '{name}'.", nameof(name));

    public static string ElfName(ushort machine) => machine switch
    {
        62 => "x86-64",
        183 => "AArch64",
        40 => "ARM",
        3 => "i386",
        _ => $"machine {machine}",
    };
}
