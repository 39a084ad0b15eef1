using Cake.Frosting;
using SnapBuild;
using SnapBuild.Common;
using SnapBuild.Settings;

var code = new CakeHost()
    .UseContext<BuildContext>()
    .UseLifetime<BuildLifetime>()
    .UseExitCode<BuildException>(1)
    .UseExitCode<UsageException>(2)
    .UseExitCode<OperationCanceledException>(130)
    .UseHelpSection("Build options (argument, then SNAPBUILD_<NAME>, then recipe, then default)",
        BuildSettings.Options.Select(o => ($"--{o.Name}", o.Help)).ToList())
    .Run(args);

// A task that succeeded may answer with its own exit code (UpstreamCheck's verdict).
return code == 0 ? RunOutcome.ExitCode : code;
