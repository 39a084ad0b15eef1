using BenchmarkDotNet.Running;
using SnapBuild.Benchmarks;

// fixtures DIR          writes the demo project, generated series and a by-hand script; prints KEY=VALUE
// serve-github          starts the GitHub stand-in for the upstream-check row; prints KEY=VALUE, stops at EOF
// bdn [BenchmarkDotNet options]   the in-process benchmarks
return args switch
{
    ["fixtures", var directory] => Fixtures.Write(directory),
    ["serve-github", var directory] => GitHubStandIn.Serve(directory),
    ["bdn", .. var rest] => RunBenchmarkDotNet(rest),
    _ => Usage(),
};

static int RunBenchmarkDotNet(string[] options)
{
    BenchmarkSwitcher.FromAssembly(typeof(Fixtures).Assembly).Run(options);

    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Benchmarks fixtures DIR | serve-github DIR | bdn [BenchmarkDotNet options]");

    return 2;
}
