namespace SnapBuild.Common;

/// <summary>
/// An exit code that a task which succeeded sets to report its answer (UpstreamCheck's verdict),
/// distinct from the host's own codes for failure, wrong usage and interruption. Program returns
/// it when the run itself succeeded.
/// </summary>
public static class RunOutcome
{
    private static int exitCode;

    public static int ExitCode
    {
        get => Volatile.Read(ref exitCode);
        set => Volatile.Write(ref exitCode, value);
    }
}
