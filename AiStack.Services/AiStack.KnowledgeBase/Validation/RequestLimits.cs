using System.ComponentModel.DataAnnotations;

namespace AiStack.KnowledgeBase.Validation;

/// <summary><c>Limits</c> section: the explicit bounds on every input (documented in the README). Larger inputs get 400.</summary>
public sealed class RequestLimits
{
    public const string SectionName = "Limits";

    [Range(1, 50_000_000)]
    public int MaxContentChars { get; set; } = 1_000_000;

    [Range(1, 100_000)]
    public int MaxTitleChars { get; set; } = 500;

    [Range(1, 100_000)]
    public int MaxSourceChars { get; set; } = 2_048;

    [Range(1, 10_000)]
    public int MaxProjectChars { get; set; } = 200;

    /// <summary>Size of the metadata object as JSON text.</summary>
    [Range(2, 10_000_000)]
    public int MaxMetadataChars { get; set; } = 65_536;

    /// <summary>The wire contract's limit, not a setting: Ralph and the Coordinator trim to the same number before they call.</summary>
    public int MaxQueryChars => AiStack.Contracts.KnowledgeBase.ContextLimits.MaxQueryChars;

    /// <summary>Largest <c>limit</c> of /context and /vector/search.</summary>
    [Range(1, 10_000)]
    public int MaxResults { get; set; } = 100;

    /// <summary>Largest page of GET /documents.</summary>
    [Range(1, 100_000)]
    public int MaxPageSize { get; set; } = 500;

    [Range(1, 100_000)]
    public int MaxEmbedTexts { get; set; } = 256;

    [Range(1, 10_000_000)]
    public int MaxEmbedTextChars { get; set; } = 32_000;

    [Range(1, 100_000)]
    public int MaxIndexItems { get; set; } = 500;

    [Range(1, 100)]
    public int MaxCollectionsPerQuery { get; set; } = 10;
}
