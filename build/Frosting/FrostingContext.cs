using Cake.Core;

namespace Cake.Frosting;

/// <summary>The base of a typed build context: every Cake alias works on it.</summary>
public class FrostingContext : CakeContextAdapter
{
    public FrostingContext(ICakeContext context)
        : base(context)
    {
    }
}
