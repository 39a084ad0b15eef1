using System.Diagnostics;
using SnapBuild.Common;

namespace SnapBuild.Stages;

/// <summary>
/// Keeps two runs from interleaving in one work directory: an exclusive lock on
/// <c>&lt;work-dir&gt;/.lock</c>, which the kernel releases when the holder dies however it
/// dies, so a lock left by a killed run is never mistaken for a live one. The holder writes its
/// process id beside it so the waiting run can name it.
/// </summary>
public sealed class WorkDirectoryLock : IDisposable
{
    private readonly FileStream stream;
    private readonly string ownerPath;

    private WorkDirectoryLock(FileStream stream, string ownerPath)
    {
        this.stream = stream;
        this.ownerPath = ownerPath;
    }

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for another run to finish.</summary>
    public static WorkDirectoryLock Acquire(string workDirectory, TimeSpan wait, IBuildLog log)
    {
        Directory.CreateDirectory(workDirectory);
        var path = Path.Combine(workDirectory, ".lock");
        var ownerPath = Path.Combine(workDirectory, ".lock.owner");
        var clock = Stopwatch.StartNew();
        var announced = false;
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                AtomicFile.WriteAllText(ownerPath, $"{Environment.ProcessId} {Environment.MachineName} {DateTimeOffset.UtcNow:O}\n");

                return new WorkDirectoryLock(stream, ownerPath);
            }
            catch (IOException)
            {
                var holder = Holder(ownerPath);
                if (clock.Elapsed >= wait)
                {
                    throw new BuildException(
                        $"The work directory {workDirectory} is in use by another run ({holder}); "
                        + "wait for it to finish, or pass --work-dir=DIR to use another directory.");
                }

                if (!announced)
                {
                    log.Warning($"Waiting for the run that holds {path} ({holder}) to finish.");
                    announced = true;
                }

                Thread.Sleep(200);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(ownerPath);
        }
        catch (IOException)
        {
            // The next holder overwrites it.
        }

        stream.Dispose();
    }

    private static string Holder(string ownerPath)
    {
        try
        {
            var fields = File.ReadAllText(ownerPath).Split(' ', 3);

            return $"process {fields[0]} on {fields.ElementAtOrDefault(1) ?? "this machine"}";
        }
        catch (IOException)
        {
            return "a process that has not yet written its id";
        }
    }
}
