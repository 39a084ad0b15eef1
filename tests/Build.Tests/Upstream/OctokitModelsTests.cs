using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Octokit;
using SnapBuild.Upstream;

namespace SnapBuild.Tests.Upstream;

/// <summary>
/// The Native AOT host reads GitHub's answers with Octokit's reflection-based JSON, which builds
/// generic types the trimmer cannot see. This walks every model the answers can hold, as
/// Octokit's deserializer does, and requires each such type to be kept by
/// <see cref="OctokitModels.Keep"/>.
/// </summary>
public class OctokitModelsTests
{
    [Test]
    public void Should_keep_every_generic_type_octokit_builds_for_the_answers_read()
    {
        var kept = typeof(OctokitModels).GetMethod(nameof(OctokitModels.Keep))!
            .GetCustomAttributes<DynamicDependencyAttribute>()
            .Select(a => a.Type!)
            .ToHashSet();

        var missing = Needed(OctokitModels.Answers).Where(t => !Covered(t, kept)).Select(Name).Order().ToList();

        Assert.That(missing, Is.Empty, "add to OctokitModels.Keep:\n" + string.Join('\n', missing.Select(
            n => $"[DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof({n}))]")));
    }

    [Test]
    public void Should_find_the_string_enums_and_lists_of_the_models()
    {
        var needed = Needed([typeof(PullRequest)]);

        Assert.That(needed, Does.Contain(typeof(StringEnum<ItemState>)));
        Assert.That(needed, Does.Contain(typeof(List<Label>)));
    }

    /// <summary>The closed generic types Octokit creates by reflection while reading these models.</summary>
    private static HashSet<Type> Needed(IEnumerable<Type> roots)
    {
        var needed = new HashSet<Type>();
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>(roots);
        while (queue.TryDequeue(out var type))
        {
            if (!seen.Add(type))
            {
                continue;
            }

            if (Nullable.GetUnderlyingType(type) is { } underlying)
            {
                queue.Enqueue(underlying);
            }
            else if (type.IsArray)
            {
                queue.Enqueue(type.GetElementType()!);
            }
            else if (type.IsGenericType)
            {
                var definition = type.GetGenericTypeDefinition();
                var arguments = type.GetGenericArguments();
                if (definition == typeof(StringEnum<>))
                {
                    needed.Add(type);
                }
                else if (arguments.Length == 1
                    && typeof(IEnumerable<>).MakeGenericType(arguments).IsAssignableFrom(type))
                {
                    needed.Add(typeof(List<>).MakeGenericType(arguments));
                }
                else if (arguments.Length == 2 && definition.Name.Contains("Dictionary", StringComparison.Ordinal))
                {
                    needed.Add(typeof(Dictionary<,>).MakeGenericType(arguments));
                }

                foreach (var argument in arguments)
                {
                    queue.Enqueue(argument);
                }
            }
            else if (type.Namespace == "Octokit" && !type.IsEnum)
            {
                const BindingFlags members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
                foreach (var property in type.GetProperties(members))
                {
                    queue.Enqueue(property.PropertyType);
                }

                var fields = type.GetFields(members).Where(f => !f.Name.Contains('<', StringComparison.Ordinal));
                foreach (var field in fields)
                {
                    queue.Enqueue(field.FieldType);
                }
            }
        }

        return needed;
    }

    /// <summary>Kept as such, or shared code of an open definition kept for reference-type arguments.</summary>
    private static bool Covered(Type type, HashSet<Type> kept) =>
        kept.Contains(type)
        || kept.Contains(type.GetGenericTypeDefinition()) && type.GetGenericArguments().All(a => !a.IsValueType);

    private static string Name(Type type) =>
        type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}"
                + $"<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
            : type.Name switch
            {
                "Int32" => "int",
                "Int64" => "long",
                "String" => "string",
                "Boolean" => "bool",
                _ => type.Name,
            };
}
