namespace AiStack.AppHost.Publishing.Kubernetes;

/// <summary>The labels every object carries; <c>app</c> selects a workload's pods, as in Aspirate's templates.</summary>
public static class Labels
{
    public const string App = "app";
    public const string PartOf = "app.kubernetes.io/part-of";
    public const string Component = "app.kubernetes.io/component";
    public const string Stack = "aistack";

    public static Dictionary<string, string> Selector(string app) => new(StringComparer.Ordinal) { [App] = app };

    public static Dictionary<string, string> For(string app, string component) => new(StringComparer.Ordinal)
    {
        [App] = app,
        [Component] = component,
        [PartOf] = Stack,
    };
}
