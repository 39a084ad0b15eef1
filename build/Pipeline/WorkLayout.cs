namespace SnapBuild.Pipeline;

/// <summary>Where one recipe's work lives under the work directory.</summary>
public sealed record WorkLayout(string Root)
{
    public string Source => Path.Combine(Root, "src");

    public string Stages => Path.Combine(Root, "stages");

    public string Logs => Path.Combine(Root, "logs");

    /// <summary>
    /// The release without the series, which Verify builds for comparison, laid out like this
    /// one (src, build, stage, logs) so that every path relative to a build directory is the
    /// same in both and ccache serves the unchanged objects from the patched build.
    /// </summary>
    public WorkLayout Unpatched => new(Path.Combine(Root, "unpatched"));

    /// <summary>Helper programs the pipeline compiles for itself (the seccomp launcher).</summary>
    public string Tools => Path.Combine(Root, "tools");

    /// <summary>The generated CMake toolchain files of cross builds.</summary>
    public string Toolchains => Path.Combine(Root, "toolchains");

    public string BuildFor(string architecture) => Path.Combine(Root, "build", architecture);

    public string StageFor(string architecture) => Path.Combine(Root, "stage", architecture);

    public string LogFor(string architecture) => Path.Combine(Logs, $"build-{architecture}.log");
}
