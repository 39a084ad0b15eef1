namespace SnapBuild.Common;

/// <summary>
/// A failure the user can act on: the message is one sentence naming the file, value or command
/// and how to fix it. The host prints it without a stack trace and exits with 1.
/// </summary>
public class BuildException : Exception
{
    public BuildException(string message)
        : base(message)
    {
    }

    public BuildException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BuildException()
    {
    }
}

/// <summary>
/// Wrong usage: a bad option, an unknown target, an invalid recipe. The host exits with 2.
/// </summary>
public sealed class UsageException : BuildException
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UsageException()
    {
    }
}
