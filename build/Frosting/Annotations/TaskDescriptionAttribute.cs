namespace Cake.Frosting;

/// <summary>The line <c>--description</c> shows for a task.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TaskDescriptionAttribute : Attribute
{
    public TaskDescriptionAttribute(string description)
    {
        Description = description;
    }

    public string Description { get; }
}
