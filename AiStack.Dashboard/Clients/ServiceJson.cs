using System.Text.Json;

namespace AiStack.Dashboard.Clients;

/// <summary>The stack's wire format: snake_case names, as every service and the AppHost write them.</summary>
internal static class ServiceJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
