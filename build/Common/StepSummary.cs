namespace SnapBuild.Common;

/// <summary>GitHub Actions' job summary: Markdown appended to the file <c>$GITHUB_STEP_SUMMARY</c> names, when it is set.</summary>
public static class StepSummary
{
    public static void Append(string markdown)
    {
        if (Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY") is not { Length: > 0 } path)
        {
            return;
        }

        try
        {
            File.AppendAllText(path, markdown.TrimEnd('\n') + "\n\n");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new BuildException($"Could not append the report to GITHUB_STEP_SUMMARY ({path}): {exception.Message}", exception);
        }
    }
}
