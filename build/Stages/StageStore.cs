using System.Text.Json;
using System.Text.Json.Serialization;
using SnapBuild.Common;

namespace SnapBuild.Stages;

/// <summary>What a finished stage produced and from which inputs.</summary>
public sealed record StageRecord(
    string Stage,
    string Inputs,
    IReadOnlyDictionary<string, string> Outputs,
    DateTimeOffset Finished);

/// <summary>
/// Records, per stage, the hash of its inputs and what it produced, so a rerun skips a stage
/// whose inputs are unchanged and whose outputs are still there, and a changed input (a patch,
/// the recipe, an option) redoes only the stages that depend on it. Records are written
/// atomically; one that cannot be read counts as absent and the stage runs again.
/// </summary>
public sealed class StageStore
{
    private readonly IBuildLog log;

    public StageStore(string directory, IBuildLog log)
    {
        Directory = directory;
        this.log = log;
    }

    public string Directory { get; }

    public StageRecord? Read(string stage)
    {
        var path = PathOf(stage);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var record = JsonSerializer.Deserialize(File.ReadAllText(path), StageJson.Default.StageRecord);
            if (record is null || record.Stage != stage || record.Outputs is null)
            {
                throw new JsonException("the record is incomplete");
            }

            return record;
        }
        catch (JsonException exception)
        {
            log.Warning($"The stage record {path} is unreadable ({exception.Message}); the stage runs again.");

            return null;
        }
    }

    /// <summary>
    /// The stage's record when its inputs match and <paramref name="stillValid"/> accepts its
    /// outputs; otherwise null, and the stage must run.
    /// </summary>
    public StageRecord? Current(string stage, string inputs, Func<StageRecord, bool> stillValid)
    {
        var record = Read(stage);
        if (record is null)
        {
            return null;
        }

        if (record.Inputs != inputs)
        {
            log.Verbose($"  stage {stage}: inputs changed");

            return null;
        }

        if (!stillValid(record))
        {
            log.Verbose($"  stage {stage}: its outputs are gone or changed");

            return null;
        }

        return record;
    }

    public void Write(string stage, string inputs, IReadOnlyDictionary<string, string> outputs)
    {
        var record = new StageRecord(stage, inputs, outputs, DateTimeOffset.UtcNow);
        AtomicFile.WriteAllText(PathOf(stage), JsonSerializer.Serialize(record, StageJson.Default.StageRecord) + "\n");
    }

    /// <summary>Forgets a stage, so it and everything after it runs again.</summary>
    public void Invalidate(string stage)
    {
        var path = PathOf(stage);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private string PathOf(string stage) => Path.Combine(Directory, stage + ".json");
}

/// <summary>
/// The records' JSON, generated at compile time: every run reads and writes stage records, and
/// reflection-based serialization would first spend tens of milliseconds learning the type.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(StageRecord))]
internal sealed partial class StageJson : JsonSerializerContext;
