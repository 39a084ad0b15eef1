using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Cake.Frosting.Internal;

/// <summary>Reads a task class's attributes: its name, description and dependencies.</summary>
internal static class TaskInfo
{
    /// <summary>The <see cref="TaskNameAttribute"/> name, or the class name without a trailing "Task".</summary>
    public static string NameOf(Type task)
    {
        var attribute = task.GetCustomAttribute<TaskNameAttribute>();
        if (attribute is not null)
        {
            return attribute.Name;
        }

        return task.Name.EndsWith("Task", StringComparison.Ordinal) && task.Name.Length > 4
            ? task.Name[..^4]
            : task.Name;
    }

    public static string? DescriptionOf(Type task) => task.GetCustomAttribute<TaskDescriptionAttribute>()?.Description;

    public static IEnumerable<Type> DependenciesOf(Type task) =>
        task.GetCustomAttributes<IsDependentOnAttribute>().Select(a => a.Task);

    public static IEnumerable<Type> DependeesOf(Type task) =>
        task.GetCustomAttributes<IsDependeeOfAttribute>().Select(a => a.Task);

    public static bool ContinuesOnError(Type task) => task.GetCustomAttribute<ContinueOnErrorAttribute>() is not null;

    /// <summary>Whether the task class (or a base below the Frosting bases) overrides the method.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Task assemblies are trimmer roots.")]
    public static bool Overrides(Type task, string method)
    {
        var found = task.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == method)
            .Any(m => m.DeclaringType is { IsGenericType: false } declaring
                && declaring.Assembly == task.Assembly
                && !declaring.Namespace!.StartsWith("Cake.Frosting", StringComparison.Ordinal));

        return found;
    }
}
