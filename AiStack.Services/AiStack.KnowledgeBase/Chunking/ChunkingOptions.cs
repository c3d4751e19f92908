using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Chunking;

public enum ChunkUnit
{
    /// <summary>Sizes count UTF-16 characters.</summary>
    Characters,

    /// <summary>Sizes count whitespace-separated words (roughly tokens).</summary>
    Words,
}

/// <summary><c>Chunking</c> section: how documents are cut before embedding.</summary>
public sealed class ChunkingOptions : IValidatableObject
{
    public const string SectionName = "Chunking";

    public ChunkUnit Unit { get; set; } = ChunkUnit.Characters;

    [Range(16, 100_000, ErrorMessage = "Chunking:Size must be between 16 and 100000.")]
    public int Size { get; set; } = 1000;

    [Range(0, 50_000, ErrorMessage = "Chunking:Overlap must be between 0 and 50000.")]
    public int Overlap { get; set; } = 150;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Overlap * 2 > Size)
        {
            yield return new ValidationResult("Chunking:Overlap must be at most half of Chunking:Size.", [nameof(Overlap)]);
        }
    }
}
