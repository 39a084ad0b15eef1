namespace Cake.Frosting;

/// <summary>Declares that another task depends on this one (a reverse dependency).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class IsDependeeOfAttribute : Attribute
{
    public IsDependeeOfAttribute(Type task)
    {
        Task = task;
    }

    public Type Task { get; }
}
