using Cake.Core;
using Cake.Core.Diagnostics;

namespace Cake.Frosting.Internal;

/// <summary>Lists the tasks in the order they would run, running none of them; setup and teardown do run, as in Cake.</summary>
internal sealed class DryRunStrategy : IExecutionStrategy
{
    private readonly ICakeLog log;
    private int counter = 1;

    public DryRunStrategy(ICakeLog log)
    {
        this.log = log;
    }

    public void PerformSetup(Action<ISetupContext> action, ISetupContext context) => action(context);

    public void PerformTeardown(Action<ITeardownContext> action, ITeardownContext teardownContext) =>
        action(teardownContext);

    public Task ExecuteAsync(CakeTask task, ICakeContext context)
    {
        log.Information("{0}. {1}", counter++, task.Name);

        return Task.CompletedTask;
    }

    public void Skip(CakeTask task, CakeTaskCriteria criteria)
    {
    }

    public Task ReportErrorsAsync(Func<Exception, Task> action, Exception exception) => Task.CompletedTask;

    public Task HandleErrorsAsync(
        Func<Exception, ICakeContext, Task> action,
        Exception exception,
        ICakeContext context) => Task.CompletedTask;

    public Task InvokeFinallyAsync(Func<ICakeContext, Task> action, ICakeContext context) => Task.CompletedTask;

    public void PerformTaskSetup(Action<ITaskSetupContext> action, ITaskSetupContext taskSetupContext)
    {
    }

    public void PerformTaskTeardown(Action<ITaskTeardownContext> action, ITaskTeardownContext taskTeardownContext)
    {
    }
}
