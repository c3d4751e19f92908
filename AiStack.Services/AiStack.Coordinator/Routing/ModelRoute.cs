namespace AiStack.Coordinator.Routing;

/// <summary>Which backend answers a request.</summary>
public enum ModelRoute
{
    Local,
    Remote,
}

public static class ModelRouteNames
{
    public static string ToWireName(this ModelRoute route) => route == ModelRoute.Local ? "local" : "remote";

    public static ModelRoute Other(this ModelRoute route) => route == ModelRoute.Local ? ModelRoute.Remote : ModelRoute.Local;
}

/// <summary>Short, stable reason codes: metric labels and the `reason` field of every answer.</summary>
public static class RouteReasons
{
    public const string Private = "private";
    public const string Forced = "forced";
    public const string PreferLocal = "prefer_local";
    public const string HighConfidence = "high_confidence";
    public const string LowConfidence = "low_confidence";
    public const string Complexity = "complexity";
    public const string NoContext = "no_context";
    public const string BudgetExhausted = "budget_exhausted";
    public const string LocalUnavailable = "local_unavailable";
    public const string RemoteUnavailable = "remote_unavailable";
    public const string Fallback = "fallback";
}
