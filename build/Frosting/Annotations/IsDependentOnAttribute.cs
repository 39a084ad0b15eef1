namespace Cake.Frosting;

/// <summary>Declares that a task needs another task to have run first.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class IsDependentOnAttribute : Attribute
{
    public IsDependentOnAttribute(Type task)
    {
        Task = task;
    }

    public Type Task { get; }
}
