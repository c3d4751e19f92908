using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.Routing;

/// <summary>
/// What a caller tells the router about one request, carried in <see cref="ChatOptions.AdditionalProperties"/> so the
/// pipeline keeps Microsoft.Extensions.AI's shape; and what the router reports back on the response.
/// </summary>
public sealed record RouteHints(bool Private = false, bool PreferLocal = false, ModelRoute? ForcedRoute = null, double? Confidence = null, bool ConfidenceKnown = false)
{
    private const string PrivateKey = "aistack.private";
    private const string PreferLocalKey = "aistack.prefer_local";
    private const string ForcedRouteKey = "aistack.force_route";
    private const string ConfidenceKey = "aistack.confidence";

    public const string RouteKey = "aistack.route";
    public const string ReasonKey = "aistack.reason";
    public const string ExplanationKey = "aistack.explanation";
    public const string BackendKey = "aistack.backend";
    public const string ComplexityKey = "aistack.complexity";
    public const string CachedKey = "aistack.cached";

    public ChatOptions ApplyTo(ChatOptions? options)
    {
        var result = options?.Clone() ?? new ChatOptions();
        result.AdditionalProperties ??= [];
        result.AdditionalProperties[PrivateKey] = Private;
        result.AdditionalProperties[PreferLocalKey] = PreferLocal;
        if (ForcedRoute is { } forced)
        {
            result.AdditionalProperties[ForcedRouteKey] = forced.ToWireName();
        }

        if (ConfidenceKnown)
        {
            result.AdditionalProperties[ConfidenceKey] = Confidence;
        }

        return result;
    }

    public static RouteHints From(ChatOptions? options)
    {
        var properties = options?.AdditionalProperties;
        if (properties is null)
        {
            return new RouteHints();
        }

        ModelRoute? forced = properties.TryGetValue(ForcedRouteKey, out string? route) ? route == "remote" ? ModelRoute.Remote : ModelRoute.Local : null;
        var confidenceKnown = properties.ContainsKey(ConfidenceKey);
        return new RouteHints(
            properties.TryGetValue(PrivateKey, out bool isPrivate) && isPrivate,
            properties.TryGetValue(PreferLocalKey, out bool preferLocal) && preferLocal,
            forced,
            confidenceKnown && properties.TryGetValue(ConfidenceKey, out double confidence) ? confidence : null,
            confidenceKnown);
    }
}

/// <summary>Reads the router's report off a response.</summary>
public static class RouteReport
{
    public static string? Get(this AdditionalPropertiesDictionary? properties, string key) =>
        properties is not null && properties.TryGetValue(key, out var value) ? value?.ToString() : null;

    public static bool IsCached(this ChatResponse response) =>
        response.AdditionalProperties?.TryGetValue(RouteHints.CachedKey, out bool cached) == true && cached;
}
