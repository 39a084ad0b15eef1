using System.Diagnostics.CodeAnalysis;
using Octokit;

namespace SnapBuild.Upstream;

/// <summary>
/// What the Native AOT host must keep for Octokit's JSON. Octokit fills its models by reflection
/// and builds some types only at run time: <c>List&lt;T&gt;</c> for a model's list properties
/// (through <c>MakeGenericType</c>) and <c>StringEnum&lt;TEnum&gt;</c> for its string enums
/// (through <c>Activator</c>). The trimmer cannot see either, so every one the answers below can
/// hold is listed here; <c>OctokitModelsTests</c> walks the models and fails when one is missing.
/// </summary>
internal static class OctokitModels
{
    /// <summary>The answers UpstreamChecker reads, and the error body of a failed request.</summary>
    public static readonly IReadOnlyList<Type> Answers =
    [
        typeof(RepositoryTag), typeof(Octokit.Release), typeof(Issue), typeof(PullRequest), typeof(CompareResult),
        typeof(RepositoryContent), typeof(ApiError),
    ];

    /// <summary>Called by UpstreamChecker, so the trimmer keeps what the attributes name.</summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(List<>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(Dictionary<,>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(StringEnum<ContentType>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(StringEnum<ItemState>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(StringEnum<ItemStateReason>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(StringEnum<LockReason>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(StringEnum<MergeableState>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(StringEnum<TeamPrivacy>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors, typeof(StringEnum<VerificationReason>))]
    public static void Keep()
    {
    }
}
