namespace SnapBuild.Sources;

/// <summary>
/// Where downloaded and fetched upstream material is kept between runs and work directories:
/// <c>$XDG_CACHE_HOME/snap-build</c> (or <c>~/.cache/snap-build</c>) unless overridden.
/// </summary>
public sealed record CacheLayout(string Root)
{
    public string Mirrors => Path.Combine(Root, "mirrors");

    public string Downloads => Path.Combine(Root, "downloads");

    public string Apt => Path.Combine(Root, "apt");

    public string MirrorFor(string recipeName) => Path.Combine(Mirrors, recipeName + ".git");

    public static string DefaultRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var baseDirectory = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;

        return Path.Combine(baseDirectory, "snap-build");
    }
}
