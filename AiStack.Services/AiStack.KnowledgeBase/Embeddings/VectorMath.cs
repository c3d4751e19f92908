using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AiStack.KnowledgeBase.Embeddings;

/// <summary>Vector helpers: normalization, and the little-endian float32 blob format vectors are stored in.</summary>
public static class VectorMath
{
    public static float[] Normalized(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        var norm = TensorPrimitives.Norm(copy);
        if (norm > 0 && float.IsFinite(norm))
        {
            TensorPrimitives.Divide(copy, norm, copy);
        }

        return copy;
    }

    public static byte[] ToBlob(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    public static float[] FromBlob(byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return MemoryMarshal.Cast<byte, float>(blob).ToArray();
    }

    /// <summary>Cosine similarity of two normalized vectors; 0 when their lengths differ.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        a.Length == b.Length && a.Length > 0 ? TensorPrimitives.Dot(a, b) : 0f;
}
