namespace SnapBuild.Common;

/// <summary>Finds this repository's root: the nearest folder upward that holds global.json and build/.</summary>
public static class ProjectRoot
{
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "global.json"))
                    && Directory.Exists(Path.Combine(directory.FullName, "build")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new BuildException(
            $"Could not find the project root (a folder with global.json and build/) above {Directory.GetCurrentDirectory()}; "
            + "run from inside the repository.");
    }
}
