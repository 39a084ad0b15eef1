using SnapBuild.Common;

namespace SnapBuild.Toolchains;

/// <summary>
/// Makes sure the Debian packages a build needs are installed before any long work starts:
/// installs the missing ones when this run may (root, or password-less sudo), and otherwise
/// stops with the exact command to run.
/// </summary>
public sealed class Prerequisites
{
    private readonly IBuildLog log;

    public Prerequisites(IBuildLog log)
    {
        this.log = log;
    }

    /// <summary>The packages of <paramref name="packages"/> that dpkg does not list as installed.</summary>
    public static IReadOnlyList<string> Missing(IReadOnlyList<string> packages, CancellationToken cancellationToken)
    {
        if (packages.Count == 0 || Toolchain.Which("dpkg-query") is null)
        {
            return [];
        }

        var result = ProcessRunner.Run(
            new ProcessSpec("dpkg-query", ["-W", "-f=${binary:Package} ${db:Status-Abbrev}\\n", .. packages]),
            cancellationToken);
        var installed = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 2 && f[1].StartsWith("ii", StringComparison.Ordinal))
            .Select(f => f[0])
            .ToHashSet(StringComparer.Ordinal);

        // dpkg names a Multi-Arch: same package with its architecture, others without.
        var native = NativeArchitecture();
        bool Present(string package) =>
            installed.Contains(package)
            || installed.Contains($"{package}:{native}")
            || (package.EndsWith($":{native}", StringComparison.Ordinal) && installed.Contains(package[..^(native.Length + 1)]));

        return packages.Where(p => !Present(p)).ToList();
    }

    public void Ensure(string what, IReadOnlyList<string> packages, CancellationToken cancellationToken)
    {
        var missing = Missing(packages, cancellationToken);
        if (missing.Count == 0)
        {
            log.Verbose($"  {what}: all {packages.Count} build packages are installed");

            return;
        }

        var foreign = ForeignArchitecturesToAdd(missing, cancellationToken);
        var command = string.Concat(foreign.Select(a => $"sudo dpkg --add-architecture {a} && "))
            + (foreign.Count > 0 ? "sudo apt-get update && " : string.Empty)
            + $"sudo apt-get install --no-install-recommends {string.Join(' ', missing)}";
        var prefix = CanInstall();
        if (prefix is null)
        {
            throw new BuildException(
                $"{what} needs {missing.Count} Debian packages that are not installed ({string.Join(", ", missing)}); "
                + $"install them with `{command}`.");
        }

        foreach (var architecture in foreign)
        {
            log.Information($"  {what}: enabling Debian's {architecture} packages (dpkg --add-architecture {architecture})");
            Run(prefix, ["dpkg", "--add-architecture", architecture], cancellationToken);
        }

        if (foreign.Count > 0)
        {
            Run(prefix, ["apt-get", "update", "-qq"], cancellationToken);
        }

        log.Information($"  {what}: installing {missing.Count} missing build packages: {string.Join(' ', missing)}");
        var install = Install(prefix, missing, cancellationToken);
        if (install.ExitCode != 0 && install.CombinedTail(20).Contains("Unable to locate package", StringComparison.Ordinal))
        {
            Run(prefix, ["apt-get", "update", "-qq"], cancellationToken);
            install = Install(prefix, missing, cancellationToken);
        }

        if (install.ExitCode != 0)
        {
            throw new BuildException(
                $"Installing the build packages for {what} failed with exit code {install.ExitCode} "
                + $"({install.CombinedTail(3).Replace('\n', ' ')}); run `{command}` yourself and retry.");
        }
    }

    /// <summary>The architectures of <c>package:arch</c> names that dpkg does not yet accept packages for.</summary>
    private static List<string> ForeignArchitecturesToAdd(IReadOnlyList<string> packages, CancellationToken cancellationToken)
    {
        var wanted = packages
            .Where(p => p.Contains(':', StringComparison.Ordinal))
            .Select(p => p.Split(':')[1])
            .Where(a => a != NativeArchitecture())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (wanted.Count == 0)
        {
            return wanted;
        }

        var added = ProcessRunner.Run(new ProcessSpec("dpkg", ["--print-foreign-architectures"]), cancellationToken)
            .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        return wanted.Where(a => !added.Contains(a)).ToList();
    }

    private static ProcessResult Install(string[] prefix, IReadOnlyList<string> packages, CancellationToken cancellationToken) =>
        Run(prefix, ["apt-get", "install", "-y", "-qq", "--no-install-recommends", .. packages], cancellationToken);

    private static ProcessResult Run(string[] prefix, string[] command, CancellationToken cancellationToken)
    {
        string[] full = [.. prefix, .. command];

        return ProcessRunner.Run(
            new ProcessSpec(full[0], full[1..])
            {
                Environment = new Dictionary<string, string?> { ["DEBIAN_FRONTEND"] = "noninteractive" },
            },
            cancellationToken);
    }

    /// <summary>How this run may install packages: directly as root, through password-less sudo, or not at all.</summary>
    private static string[]? CanInstall()
    {
        if (Environment.UserName == "root")
        {
            return [];
        }

        if (Toolchain.Which("sudo") is not null
            && ProcessRunner.Run(new ProcessSpec("sudo", ["-n", "true"])).ExitCode == 0)
        {
            return ["sudo", "-n"];
        }

        return null;
    }

    private static string NativeArchitecture() =>
        System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm => "armhf",
            _ => "amd64",
        };
}
