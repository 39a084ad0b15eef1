using System.Globalization;
using System.Text;
using SnapBuild.Tests.Support;

namespace SnapBuild.Benchmarks;

/// <summary>
/// Writes what the whole-command rows run on: the tests' own upstream and demo project, and
/// demo projects whose series is a generated one of 50 and 500 patches, each adding a source
/// file. The patches carry mail headers that are also DEP-3 fields, so the host, <c>git am</c>
/// and <c>quilt push -a</c> all take the very same files.
/// </summary>
public static class Fixtures
{
    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var upstream = new TestUpstream();
        var demo = new DemoProject(upstream);
        var lines = new List<string>
        {
            $"UPSTREAM={upstream.Repository}",
            $"UPSTREAM_TAG={TestUpstream.FirstTag}",
            $"DEMO={demo.Root}",
            $"DEMO_SERIES={upstream.Series}",
        };
        foreach (var count in new[] { 50, 500 })
        {
            var project = new DemoProject(upstream);
            WriteSeries(project.PatchesDirectory, count);
            lines.Add($"SERIES_{count}={project.Root}");
        }

        File.WriteAllLines(Path.Combine(directory, "fixtures.env"), lines);
        Console.WriteLine(string.Join('\n', lines));

        return 0;
    }

    /// <summary>Replaces a project's series with <paramref name="count"/> generated patches.</summary>
    public static void WriteSeries(string patches, int count)
    {
        foreach (var old in Directory.EnumerateFiles(patches))
        {
            File.Delete(old);
        }

        var series = new StringBuilder();
        for (var i = 1; i <= count; i++)
        {
            var name = $"{i:D4}-add-unit-{i}.patch";
            File.WriteAllText(Path.Combine(patches, name), Patch(i));
            series.Append(name).Append('\n');
        }

        File.WriteAllText(Path.Combine(patches, "series"), series.ToString());
    }

    private static string Patch(int i)
    {
        var body = new StringBuilder();
        const int Lines = 20;
        for (var line = 1; line <= Lines; line++)
        {
            body.Append(CultureInfo.InvariantCulture, $"+int unit_{i}_value_{line} = {line};\n");
        }

        return $"""
            From: Bench Maintainer <bench@example.invalid>
            Date: Thu, 3 Dec 2026 00:00:00 +0000
            Subject: [PATCH] Add generated unit {i}
            Origin: vendor
            Last-Update: 2026-12-03

            ---
            diff --git a/bench/unit{i}.c b/bench/unit{i}.c
            new file mode 100644
            --- /dev/null
            +++ b/bench/unit{i}.c
            @@ -0,0 +1,{Lines} @@

            """ + body;
    }
}
