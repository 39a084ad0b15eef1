using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;
using Cake.Frosting.Internal;

namespace Cake.Frosting;

/// <summary>
/// Runs the build: discovers the task classes, wires Cake.Core's engine, execution strategy and
/// report printer, parses Cake's command line, and returns the process exit code. Mirrors
/// Cake.Frosting's <c>CakeHost</c> for the features both have, so this folder can give way to
/// the real package once it is served. Differences: exit codes are 0, 1 for a failed run and 2
/// for wrong usage (Frosting returns -1 for both), and <see cref="UseHelpSection"/> is extra.
/// </summary>
public sealed class CakeHost
{
    private readonly List<Assembly> assemblies = [];
    private readonly List<(Type Exception, int Code)> exitCodes = [];
    private readonly List<(string Title, IReadOnlyList<(string Name, string Help)> Rows)> helpSections = [];
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    private Type? contextType;
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    private Type? lifetimeType;
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    private Type? taskLifetimeType;
    private TextWriter output = Console.Out;
    private TextWriter error = Console.Error;

    public CakeHost()
    {
        if (Assembly.GetEntryAssembly() is { } entry)
        {
            assemblies.Add(entry);
        }
    }

    public static CakeHost Create() => new();

    /// <summary>Another assembly to find tasks in; a trimmed host needs it listed as a trimmer root.</summary>
    public CakeHost AddAssembly(Assembly assembly)
    {
        if (!assemblies.Contains(assembly))
        {
            assemblies.Add(assembly);
        }

        return this;
    }

    /// <summary>The context every task receives; it needs a constructor taking <see cref="ICakeContext"/>.</summary>
    public CakeHost UseContext<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TContext>()
        where TContext : ICakeContext
    {
        contextType = typeof(TContext);

        return this;
    }

    public CakeHost UseLifetime<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TLifetime>()
        where TLifetime : IFrostingLifetime, new()
    {
        lifetimeType = typeof(TLifetime);

        return this;
    }

    public CakeHost UseTaskLifetime<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TLifetime>()
        where TLifetime : IFrostingTaskLifetime, new()
    {
        taskLifetimeType = typeof(TLifetime);

        return this;
    }

    /// <summary>The exit code for a failure of this exception type (or a subtype); the most specific wins.</summary>
    public CakeHost UseExitCode<TException>(int code)
        where TException : Exception
    {
        exitCodes.Add((typeof(TException), code));

        return this;
    }

    /// <summary>Extra rows for <c>--help</c>, such as the build's own arguments.</summary>
    public CakeHost UseHelpSection(string title, IReadOnlyList<(string Name, string Help)> rows)
    {
        helpSections.Add((title, rows));

        return this;
    }

    /// <summary>Where plain output (help, tree, version) goes; for tests.</summary>
    public CakeHost UseOutput(TextWriter standardOutput, TextWriter standardError)
    {
        output = standardOutput;
        error = standardError;

        return this;
    }

    public int Run(IEnumerable<string> args)
    {
        CommandLine commandLine;
        try
        {
            commandLine = CommandLineParser.Parse([.. args]);
        }
        catch (CommandLineException exception)
        {
            error.WriteLine($"Error: {exception.Message}");

            return 2;
        }

        var environment = new CakeEnvironment(new CakePlatform(), new CakeRuntime());
        var console = new CakeConsole(environment);
        var log = new CakeBuildLog(console, commandLine.Verbosity);
        var engine = new CakeEngine(new CakeDataService(), log);
        var cakeContext = CreateContext(environment, log, commandLine);
        ICakeContext context;
        List<(Type Type, IFrostingTask Task)> tasks;
        try
        {
            context = contextType is null
                ? cakeContext
                : (ICakeContext)Activator.CreateInstance(contextType, cakeContext)!;
            tasks = DiscoverTasks();
            Register(engine, context, tasks);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return Fail(log, Unwrap(exception));
        }

        if (commandLine.Version)
        {
            var version = assemblies.FirstOrDefault()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
                ?.InformationalVersion ?? "0.0.0";
            output.WriteLine($"{version} (Cake.Core {typeof(ICakeContext).Assembly.GetName().Version})");

            return 0;
        }

        if (commandLine.Help)
        {
            PrintHelp(engine.Tasks);

            return 0;
        }

        if (commandLine.Tree)
        {
            TreePrinter.PrintTree(engine.Tasks, output);

            return 0;
        }

        if (commandLine.Description)
        {
            TreePrinter.PrintDescriptions(engine.Tasks, output);

            return 0;
        }

        var names = engine.Tasks.Select(t => t.Name).ToList();
        foreach (var target in commandLine.Targets)
        {
            if (!names.Contains(target, StringComparer.OrdinalIgnoreCase))
            {
                error.WriteLine(
                    $"Error: The target '{target}' does not exist"
                    + SnapBuild.Common.Suggestions.DidYouMean(target, names)
                    + $" (targets: {string.Join(", ", names.Order(StringComparer.Ordinal))}).");

                return 2;
            }
        }

        var settings = new ExecutionSettings().SetTargets(commandLine.Targets);
        if (commandLine.Exclusive)
        {
            settings.UseExclusiveTarget();
        }

        var printer = new CakeReportPrinter(console, context);
        IExecutionStrategy strategy = commandLine.DryRun
            ? new DryRunStrategy(log)
            : new DefaultExecutionStrategy(log, printer);
        if (commandLine.DryRun)
        {
            log.Information("Performing dry run...");
            log.Information("Targets are: {0}", string.Join(", ", commandLine.Targets));
            log.Information(string.Empty);
        }

        try
        {
            var report = engine.RunTargetAsync(context, strategy, settings).GetAwaiter().GetResult();
            if (commandLine.DryRun)
            {
                log.Information(string.Empty);
                log.Information("This was a dry run.");
                log.Information("No tasks were actually executed.");
            }
            else if (report is { IsEmpty: false })
            {
                printer.Write(report);
            }

            return 0;
        }
        catch (CakeReportException exception)
        {
            if (!commandLine.DryRun && exception.Report is { IsEmpty: false })
            {
                printer.Write(exception.Report);
            }

            return Fail(log, Unwrap(exception.InnerException ?? exception));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return Fail(log, Unwrap(exception));
        }
    }

    private static CakeContext CreateContext(CakeEnvironment environment, ICakeLog log, CommandLine commandLine)
    {
        var fileSystem = new FileSystem();
        var globber = new Globber(fileSystem, environment);
        var configuration = new CakeConfiguration(new Dictionary<string, string>());
        var tools = new ToolLocator(
            environment,
            new ToolRepository(environment),
            new ToolResolutionStrategy(fileSystem, environment, globber, configuration, log));
        var arguments = new CakeArguments(commandLine.Arguments.ToLookup(a => a.Key, a => a.Value, StringComparer.OrdinalIgnoreCase));

        return new CakeContext(
            fileSystem,
            environment,
            globber,
            log,
            arguments,
            new Cake.Core.IO.ProcessRunner(fileSystem, environment, log, tools, configuration),
            new WindowsRegistry(),
            tools,
            new CakeDataService(),
            configuration,
            new ToolInstaller(environment, tools, configuration, log, []),
            new NoServices());
    }

    /// <remarks>
    /// Tasks are found by reflection, as Frosting finds them. A trimmed (Native AOT) host keeps them
    /// because their assemblies are trimmer roots (<c>TrimmerRootAssembly</c> in Build.csproj):
    /// every type, constructor and method stays.
    /// </remarks>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Task assemblies are trimmer roots.")]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "Task assemblies are trimmer roots.")]
    private List<(Type Type, IFrostingTask Task)> DiscoverTasks() =>
        assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && !t.IsAbstract && typeof(IFrostingTask).IsAssignableFrom(t))
            .OrderBy(t => TaskInfo.NameOf(t), StringComparer.Ordinal)
            .Select(t => (t, (IFrostingTask)Activator.CreateInstance(t)!))
            .ToList();

    private void Register(CakeEngine engine, ICakeContext context, List<(Type Type, IFrostingTask Task)> tasks)
    {
        foreach (var (type, task) in tasks)
        {
            var builder = engine.RegisterTask(TaskInfo.NameOf(type));
            if (TaskInfo.DescriptionOf(type) is { } description)
            {
                builder.Description(description);
            }

            if (TaskInfo.Overrides(type, "Run") || TaskInfo.Overrides(type, "RunAsync"))
            {
                builder.Does(task.RunAsync);
            }

            if (TaskInfo.Overrides(type, "ShouldRun"))
            {
                builder.WithCriteria(task.ShouldRun);
            }

            if (TaskInfo.ContinuesOnError(type))
            {
                builder.ContinueOnError();
            }

            if (TaskInfo.Overrides(type, "OnError"))
            {
                builder.OnError(exception => task.OnError(exception, context));
            }

            if (TaskInfo.Overrides(type, "Finally"))
            {
                builder.Finally(() => task.Finally(context));
            }

            foreach (var dependency in TaskInfo.DependenciesOf(type))
            {
                builder.IsDependentOn(TaskInfo.NameOf(dependency));
            }

            foreach (var dependee in TaskInfo.DependeesOf(type))
            {
                builder.IsDependeeOf(TaskInfo.NameOf(dependee));
            }
        }

        if (lifetimeType is not null)
        {
            var lifetime = (IFrostingLifetime)Activator.CreateInstance(lifetimeType)!;
            engine.RegisterSetupAction(info => lifetime.Setup(context, info));
            engine.RegisterTeardownAction(info => lifetime.Teardown(context, info));
        }

        if (taskLifetimeType is not null)
        {
            var lifetime = (IFrostingTaskLifetime)Activator.CreateInstance(taskLifetimeType)!;
            engine.RegisterTaskSetupAction(info => lifetime.Setup(context, info));
            engine.RegisterTaskTeardownAction(info => lifetime.Teardown(context, info));
        }
    }

    private int Fail(CakeBuildLog log, Exception exception)
    {
        var code = exitCodes
            .Where(e => e.Exception.IsInstanceOfType(exception))
            .OrderByDescending(e => Depth(e.Exception))
            .Select(e => (int?)e.Code)
            .FirstOrDefault() ?? 1;
        log.Error("Error: {0}", exception.Message);
        if (log.Verbosity >= Verbosity.Diagnostic || code == 1 && !exitCodes.Any(e => e.Exception.IsInstanceOfType(exception)))
        {
            log.Verbose(exception.ToString());
        }

        return code;
    }

    /// <summary>Frosting hands tasks a dependency-injection container; this host constructs tasks itself.</summary>
    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }

    private static int Depth(Type type)
    {
        var depth = 0;
        for (var t = type; t is not null; t = t.BaseType)
        {
            depth++;
        }

        return depth;
    }

    private static Exception Unwrap(Exception exception)
    {
        while (exception is TargetInvocationException or AggregateException or CakeReportException
            && exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    private void PrintHelp(IReadOnlyList<ICakeTaskInfo> tasks)
    {
        var cakeRows = new List<(string Name, string Help)>
        {
            ("--target, -t <TARGET>", "Target task to invoke (default: Default)"),
            ("--verbosity, -v <LEVEL>", "quiet, minimal, normal, verbose or diagnostic"),
            ("--dryrun", "List the tasks that would run, in order, without running them"),
            ("--exclusive, -e", "Run the target task without its dependencies"),
            ("--tree", "Show the task dependency tree"),
            ("--description", "Show each task's description"),
            ("--version", "Show the version"),
            ("--help, -h", "Show this help"),
        };
        var sections = new List<(string Title, IReadOnlyList<(string Name, string Help)> Rows)>
        {
            ("Options", cakeRows),
        };
        sections.AddRange(helpSections);
        sections.Add(("Targets", tasks.Select(t => (t.Name, t.Description ?? string.Empty)).ToList()));
        var width = sections.SelectMany(s => s.Rows).Max(r => r.Name.Length) + 2;

        output.WriteLine("Usage: build.sh [--target=TASK] [options] [--name=value ...]");
        foreach (var (title, rows) in sections)
        {
            output.WriteLine();
            output.WriteLine(title + ":");
            foreach (var (name, help) in rows)
            {
                output.WriteLine("  " + name.PadRight(width) + help);
            }
        }
    }
}
