using System.ComponentModel.DataAnnotations;

namespace AiStack.ServiceDefaults.Security;

/// <summary>Configuration section <c>Limits</c>.</summary>
public sealed class RequestLimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Largest request body accepted (Kestrel's MaxRequestBodySize); larger ones get 413.</summary>
    [Range(1024, 1L << 31, ErrorMessage = "Limits:MaxRequestBodyBytes must be between 1024 and 2147483648.")]
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;
}
