using Cake.Core;
using Cake.Frosting;

namespace SnapBuild.Tests.Frosting;

/// <summary>The Frosting-shaped layer in process, with tasks of the tests' own.</summary>
public class FrostingLayerTests
{
    private static readonly List<string> Events = [];

    [SetUp]
    public void Clear() => Events.Clear();

    [Test]
    public void Should_run_dependencies_first_and_skip_a_task_whose_criteria_fail()
    {
        var code = Host().Run(["--target=Last"]);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(Events, Is.EqualTo(new[] { "setup", "first", "async", "last", "teardown" }));
        });
    }

    [Test]
    public void Should_call_on_error_and_finally_and_map_the_exception_to_its_exit_code()
    {
        var code = Host().UseExitCode<InvalidDataException>(7).Run(["--target=Failing"]);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(7));
            Assert.That(Events, Is.EqualTo(new[] { "setup", "failing", "on-error: broken", "finally", "teardown" }));
        });
    }

    [Test]
    public void Should_run_only_the_target_when_exclusive()
    {
        var code = Host().Run(["--target=Last", "-e"]);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(Events, Is.EqualTo(new[] { "setup", "last", "teardown" }));
        });
    }

    [Test]
    public void Should_pass_other_arguments_to_the_context()
    {
        var code = Host().Run(["--target=Arguments", "--colour=blue", "--flag"]);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(Events, Does.Contain("colour=blue flag=true"));
        });
    }

    private static CakeHost Host() =>
        new CakeHost()
            .AddAssembly(typeof(FrostingLayerTests).Assembly)
            .UseContext<RecordingContext>()
            .UseLifetime<RecordingLifetime>()
            .UseOutput(TextWriter.Null, TextWriter.Null);

    public sealed class RecordingContext : FrostingContext
    {
        public RecordingContext(ICakeContext context)
            : base(context)
        {
        }
    }

    public sealed class RecordingLifetime : FrostingLifetime<RecordingContext>
    {
        public override void Setup(RecordingContext context, ISetupContext info) => Events.Add("setup");

        public override void Teardown(RecordingContext context, ITeardownContext info) => Events.Add("teardown");
    }

    [TaskName("First")]
    public sealed class FirstTask : FrostingTask<RecordingContext>
    {
        public override void Run(RecordingContext context) => Events.Add("first");
    }

    [TaskName("Skipped")]
    [IsDependentOn(typeof(FirstTask))]
    public sealed class SkippedTask : FrostingTask<RecordingContext>
    {
        public override bool ShouldRun(RecordingContext context) => false;

        public override void Run(RecordingContext context) => Events.Add("skipped");
    }

    [TaskName("Async")]
    [IsDependentOn(typeof(SkippedTask))]
    public sealed class AsyncTask : AsyncFrostingTask<RecordingContext>
    {
        public override async Task RunAsync(RecordingContext context)
        {
            await Task.Yield();
            Events.Add("async");
        }
    }

    [TaskName("Last")]
    [IsDependentOn(typeof(AsyncTask))]
    public sealed class LastTask : FrostingTask<RecordingContext>
    {
        public override void Run(RecordingContext context) => Events.Add("last");
    }

    [TaskName("Failing")]
    public sealed class FailingTask : FrostingTask<RecordingContext>
    {
        public override void Run(RecordingContext context)
        {
            Events.Add("failing");
            throw new InvalidDataException("broken");
        }

        public override void OnError(Exception exception, RecordingContext context)
        {
            Events.Add("on-error: " + exception.Message);
            throw exception;
        }

        public override void Finally(RecordingContext context) => Events.Add("finally");
    }

    [TaskName("Arguments")]
    public sealed class ArgumentsTask : FrostingTask<RecordingContext>
    {
        public override void Run(RecordingContext context) =>
            Events.Add($"colour={context.Arguments.GetArguments("colour").Single()} "
                + $"flag={context.Arguments.GetArguments("flag").Single()}");
    }
}
