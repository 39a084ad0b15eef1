using System.Runtime.InteropServices;
using Cake.Core;
using Cake.Frosting;
using SnapBuild.Common;
using SnapBuild.Settings;
using SnapBuild.Stages;
using SnapBuild.Toolchains;

namespace SnapBuild;

/// <summary>
/// The one typed context every task receives. Its settings are resolved once, in
/// <see cref="BuildLifetime"/>'s setup, from the command line, the environment, the recipe and
/// the defaults, in that order; tasks only read them.
/// </summary>
public sealed class BuildContext : FrostingContext, IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private readonly List<PosixSignalRegistration> signals = [];
    private BuildSettings? settings;
    private Pipeline.BuildPipeline? pipeline;

    public BuildContext(ICakeContext context)
        : base(context)
    {
        BuildLog = new CakeLogAdapter(context.Log);
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            signals.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    public IBuildLog BuildLog { get; }

    /// <summary>Cancelled by Ctrl-C or SIGTERM: running commands are killed with their children.</summary>
    public CancellationToken CancellationToken => cancellation.Token;

    public BuildSettings Settings =>
        settings ?? throw new InvalidOperationException("The settings are resolved in the lifetime's setup.");

    public Pipeline.BuildPipeline Pipeline => pipeline ??= new Pipeline.BuildPipeline(
        Settings, BuildLog, new ConsoleProgressDisplay(BuildLog), CancellationToken);

    internal WorkDirectoryLock? WorkLock { get; set; }

    /// <summary>Resolves every setting; wrong usage is a <see cref="UsageException"/>.</summary>
    public void Resolve()
    {
        var arguments = Arguments.GetArguments();
        var known = BuildSettings.Options.Select(o => o.Name).ToList();
        foreach (var name in arguments.Keys)
        {
            if (!known.Contains(name, StringComparer.OrdinalIgnoreCase)
                && Suggestions.Nearest(name, known) is { } near)
            {
                throw new UsageException($"Unknown option --{name}; did you mean --{near}?");
            }
        }

        settings = BuildSettings.Resolve(
            name => arguments.TryGetValue(name, out var values) ? values.LastOrDefault() : null,
            Environment.GetEnvironmentVariable);
    }

    public void Dispose()
    {
        foreach (var signal in signals)
        {
            signal.Dispose();
        }

        WorkLock?.Dispose();
        cancellation.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (cancellation.IsCancellationRequested)
        {
            return;
        }

        // Let the run unwind: the running command is killed with its children and teardown runs.
        // Cancel before logging, so that a console busy on another thread cannot hold the stop up.
        context.Cancel = true;
        cancellation.Cancel();
        BuildLog.Warning($"{context.Signal} received: stopping the running command and its children.");
    }
}
