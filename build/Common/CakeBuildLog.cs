using Cake.Core.Diagnostics;

namespace SnapBuild.Common;

/// <summary>Sends the plain classes' log lines to Cake's log, so <c>--verbosity</c> governs them.</summary>
public sealed class CakeLogAdapter : IBuildLog
{
    private readonly ICakeLog log;

    public CakeLogAdapter(ICakeLog log)
    {
        this.log = log;
    }

    public void Information(string message) => log.Information("{0}", message);

    public void Verbose(string message) => log.Verbose("{0}", message);

    public void Warning(string message) => log.Warning("{0}", message);
}
