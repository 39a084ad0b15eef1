using Cake.Core;

namespace Cake.Frosting;

/// <summary>What the host needs of a task, whatever its context type.</summary>
public interface IFrostingTask
{
    Task RunAsync(ICakeContext context);

    bool ShouldRun(ICakeContext context);

    void OnError(Exception exception, ICakeContext context);

    void Finally(ICakeContext context);
}
