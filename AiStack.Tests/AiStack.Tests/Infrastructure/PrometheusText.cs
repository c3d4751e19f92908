using System.Text.RegularExpressions;

namespace AiStack.Tests.Infrastructure;

/// <summary>Prometheus text from the OpenTelemetry exporter, with its <c>otel_scope_name</c> label taken out for assertions on a metric's own labels.</summary>
internal static partial class PrometheusText
{
    public static string WithoutScope(string text) => ScopeLabel().Replace(text, "").Replace("{} ", " ", StringComparison.Ordinal);

    [GeneratedRegex("otel_scope_name=\"[^\"]*\",?")]
    private static partial Regex ScopeLabel();
}
