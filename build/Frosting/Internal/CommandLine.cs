using Cake.Core.Diagnostics;

namespace Cake.Frosting.Internal;

/// <summary>What Cake's own options asked for, and every other <c>--name=value</c> as a Cake argument.</summary>
internal sealed record CommandLine
{
    public IReadOnlyList<string> Targets { get; init; } = ["Default"];

    public Verbosity Verbosity { get; init; } = Verbosity.Normal;

    public bool DryRun { get; init; }

    public bool Exclusive { get; init; }

    public bool Tree { get; init; }

    public bool Description { get; init; }

    public bool Version { get; init; }

    public bool Help { get; init; }

    /// <summary>Every argument that is not one of Cake's own options, in the order given.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Arguments { get; init; } = [];
}

/// <summary>
/// Parses Cake's command line: <c>--name=value</c>, <c>--name value</c> and bare flags, the short
/// forms <c>-t</c>, <c>-v</c>, <c>-e</c> and <c>-h</c>. Anything malformed is a
/// <see cref="CommandLineException"/> whose message says what is wrong and what was meant.
/// </summary>
internal static class CommandLineParser
{
    /// <summary>Cake's options that take a value.</summary>
    private static readonly string[] ValueOptions = ["target", "verbosity"];

    /// <summary>Cake's options that are flags.</summary>
    private static readonly string[] FlagOptions =
        ["dryrun", "exclusive", "tree", "description", "version", "help"];

    /// <summary>Other spellings Cake accepts for its options.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["t"] = "target",
        ["v"] = "verbosity",
        ["e"] = "exclusive",
        ["h"] = "help",
        ["noop"] = "dryrun",
        ["whatif"] = "dryrun",
        ["showtree"] = "tree",
        ["descriptions"] = "description",
        ["showdescription"] = "description",
        ["showdescriptions"] = "description",
        ["ver"] = "version",
    };

    private static readonly Dictionary<string, Verbosity> Verbosities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["quiet"] = Verbosity.Quiet,
        ["q"] = Verbosity.Quiet,
        ["minimal"] = Verbosity.Minimal,
        ["m"] = Verbosity.Minimal,
        ["normal"] = Verbosity.Normal,
        ["n"] = Verbosity.Normal,
        ["verbose"] = Verbosity.Verbose,
        ["v"] = Verbosity.Verbose,
        ["diagnostic"] = Verbosity.Diagnostic,
        ["d"] = Verbosity.Diagnostic,
    };

    public static IEnumerable<string> CakeOptionNames => ValueOptions.Concat(FlagOptions);

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var result = new CommandLine();
        var targets = new List<string>();
        var arguments = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            var (name, value) = Split(token);
            var canonical = Aliases.GetValueOrDefault(name, name).ToLowerInvariant();

            if (ValueOptions.Contains(canonical))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Count || args[i + 1].StartsWith('-'))
                    {
                        throw new CommandLineException(
                            $"The option {token} needs a value, as in --{canonical}=VALUE.");
                    }

                    value = args[++i];
                }

                if (canonical == "target")
                {
                    targets.Add(value.Length > 0
                        ? value
                        : throw new CommandLineException("The option --target needs a task name, as in --target=Snap."));
                }
                else
                {
                    result = result with { Verbosity = ParseVerbosity(value) };
                }

                continue;
            }

            if (FlagOptions.Contains(canonical))
            {
                var on = value is null || ParseFlag(token, value);
                result = canonical switch
                {
                    "dryrun" => result with { DryRun = on },
                    "exclusive" => result with { Exclusive = on },
                    "tree" => result with { Tree = on },
                    "description" => result with { Description = on },
                    "version" => result with { Version = on },
                    _ => result with { Help = on },
                };

                continue;
            }

            if (token.StartsWith("--", StringComparison.Ordinal) is false)
            {
                throw new CommandLineException(
                    $"Unknown option {token}; options are written --name=value (see --help).");
            }

            // A Cake argument: --name=value, --name value, or a bare --name meaning true.
            if (value is null && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
            {
                value = args[++i];
            }

            var near = SnapBuild.Common.Suggestions.Nearest(name, CakeOptionNames);
            if (near is not null && SnapBuild.Common.Suggestions.Distance(name, near) > 0 && name.Length > 2)
            {
                throw new CommandLineException($"Unknown option --{name}; did you mean --{near}?");
            }

            arguments.Add(new(name, value ?? "true"));
        }

        return result with
        {
            Targets = targets.Count > 0 ? targets : ["Default"],
            Arguments = arguments,
        };
    }

    private static (string Name, string? Value) Split(string token)
    {
        string body;
        if (token.StartsWith("--", StringComparison.Ordinal))
        {
            body = token[2..];
        }
        else if (token.StartsWith('-') && token.Length > 1)
        {
            body = token[1..];
            var shortName = body.Split('=', 2)[0];
            if (!Aliases.ContainsKey(shortName) || shortName.Length != 1)
            {
                throw new CommandLineException(
                    $"Unknown option {token}; the short options are -t, -v, -e and -h, the rest are --name=value.");
            }
        }
        else
        {
            throw new CommandLineException(
                $"Unexpected argument '{token}'; name the task with --target={token} or write options as --name=value.");
        }

        var equals = body.IndexOf('=', StringComparison.Ordinal);
        var name = equals >= 0 ? body[..equals] : body;
        if (name.Length == 0 || !name.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new CommandLineException(
                $"Malformed option '{token}'; options are written --name=value with letters, digits and dashes.");
        }

        return (name, equals >= 0 ? body[(equals + 1)..] : null);
    }

    private static Verbosity ParseVerbosity(string value) =>
        Verbosities.TryGetValue(value, out var verbosity)
            ? verbosity
            : throw new CommandLineException(
                $"Unknown verbosity '{value}'"
                + SnapBuild.Common.Suggestions.DidYouMean(value, ["quiet", "minimal", "normal", "verbose", "diagnostic"])
                + " (quiet, minimal, normal, verbose or diagnostic).");

    private static bool ParseFlag(string token, string value) =>
        value.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new CommandLineException($"The flag {token} takes true or false, not '{value}'."),
        };
}

/// <summary>The command line is malformed; the host prints the message and exits with 2.</summary>
public sealed class CommandLineException : Exception
{
    public CommandLineException(string message)
        : base(message)
    {
    }

    public CommandLineException()
    {
    }

    public CommandLineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
