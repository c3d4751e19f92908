using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiStack.Contracts;

/// <summary>
/// How every service's HTTP API spells its records: snake_case names, web defaults (case-insensitive reads, numbers from strings).
/// Nulls are left out of what a client sends, so an update names only the fields it changes.
/// </summary>
public static class ContractJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
