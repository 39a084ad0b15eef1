namespace Cake.Frosting;

/// <summary>The name a task is invoked by with <c>--target</c>; keeps the command line stable across renames.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TaskNameAttribute : Attribute
{
    public TaskNameAttribute(string name)
    {
        Name = name;
    }

    public string Name { get; }
}
