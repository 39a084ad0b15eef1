namespace SnapBuild.Common;

/// <summary>Orders byte arrays as <c>memcmp</c> does, which is how git orders ids and paths.</summary>
public sealed class ByteOrder : IComparer<byte[]>
{
    public static readonly ByteOrder Instance = new();

    private ByteOrder()
    {
    }

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
