using SnapBuild.Common;

namespace SnapBuild.Toolchains;

/// <summary>
/// Checks that every ELF file in a staged tree is built for the architecture it is staged for
/// (ELF machine and class), so a host binary that slipped into a cross build fails the build.
/// </summary>
public static class ElfCheck
{
    /// <returns>How many ELF files were checked.</returns>
    public static int Check(string stage, Architecture architecture)
    {
        var checkedFiles = 0;
        var header = new byte[20];
        foreach (var file in Directory.EnumerateFiles(stage, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null || info.Length < header.Length)
            {
                continue;
            }

            using (var stream = info.OpenRead())
            {
                stream.ReadExactly(header);
            }

            if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
            {
                continue;
            }

            var elfClass = header[4];
            var machine = header[5] == 2
                ? (ushort)((header[18] << 8) | header[19])
                : (ushort)(header[18] | (header[19] << 8));
            if (machine != architecture.ElfMachine || elfClass != architecture.ElfClass)
            {
                var found = $"{Architecture.ElfName(machine)}, {(elfClass == Architecture.Elf64 ? "64" : "32")}-bit";
                throw new BuildException(
                    $"{Path.GetRelativePath(stage, file)} in the {architecture.Name} stage is built for {found}, "
                    + $"not {architecture.ElfDescription}; check the toolchain that built it.");
            }

            checkedFiles++;
        }

        return checkedFiles;
    }
}
