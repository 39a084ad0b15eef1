using Cake.Core;
using Cake.Frosting;
using SnapBuild.Stages;

namespace SnapBuild;

/// <summary>
/// Resolves the settings before the first task, prints them, and holds the work directory's
/// lock for the whole run; teardown releases it however the run ended.
/// </summary>
public sealed class BuildLifetime : FrostingLifetime<BuildContext>
{
    /// <summary>Targets that read no recipe and take no lock.</summary>
    private static readonly string[] Standalone = ["Test"];

    public override void Setup(BuildContext context, ISetupContext info)
    {
        if (Standalone.Contains(info.TargetTask.Name, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        if (info.TasksToExecute.Any(t => t.Name.Equals("Build", StringComparison.OrdinalIgnoreCase)))
        {
            // The compilers' versions go into the build's stage record; asking now overlaps the
            // Clone and Patch stages instead of waiting in the Build stage.
            Toolchains.Toolchain.Prefetch("c++", "cmake");
        }

        context.Resolve();
        context.BuildLog.Information("Settings:");
        foreach (var line in context.Settings.Describe().Split('\n'))
        {
            context.BuildLog.Information("  " + line);
        }

        context.WorkLock = WorkDirectoryLock.Acquire(
            context.Settings.WorkDirectory.Value,
            TimeSpan.FromSeconds(context.Settings.LockWait.Value),
            context.BuildLog);
    }

    public override void Teardown(BuildContext context, ITeardownContext info)
    {
        context.WorkLock?.Dispose();
        context.WorkLock = null;
    }
}
