using Cake.Core;

namespace Cake.Frosting.Internal;

/// <summary>Prints what <c>--tree</c> and <c>--description</c> show: the dependency tree and the task list.</summary>
internal static class TreePrinter
{
    public static void PrintTree(IReadOnlyList<ICakeTaskInfo> tasks, TextWriter output)
    {
        var dependedOn = tasks
            .SelectMany(t => t.Dependencies.Select(d => d.Name))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var roots = tasks
            .Where(t => !dependedOn.Contains(t.Name))
            .OrderByDescending(t => t.Name.Equals("Default", StringComparison.OrdinalIgnoreCase))
            .ThenBy(t => t.Name, StringComparer.OrdinalIgnoreCase);

        output.WriteLine();
        foreach (var root in roots)
        {
            Print(root, string.Empty, isLast: false, depth: 0);
            output.WriteLine();
        }

        void Print(ICakeTaskInfo task, string indent, bool isLast, int depth)
        {
            output.Write(indent);
            if (isLast)
            {
                output.Write("└─");
                indent += "   ";
            }
            else if (depth > 0)
            {
                output.Write("├─");
                indent += "│ ";
            }

            output.WriteLine(task.Name);
            for (var i = 0; i < task.Dependencies.Count; i++)
            {
                var child = tasks.First(t => t.Name.Equals(task.Dependencies[i].Name, StringComparison.OrdinalIgnoreCase));
                Print(child, indent, i == task.Dependencies.Count - 1, depth + 1);
            }
        }
    }

    public static void PrintDescriptions(IReadOnlyList<ICakeTaskInfo> tasks, TextWriter output)
    {
        var width = Math.Max(29, tasks.Max(t => t.Name.Length)) + 1;
        output.WriteLine();
        output.WriteLine("Task".PadRight(width) + "Description");
        output.WriteLine(new string('=', width + 50));
        foreach (var task in tasks)
        {
            output.WriteLine(task.Name.PadRight(width) + task.Description);
        }
    }
}
