using System.Text.Json;
using System.Text.RegularExpressions;
using AiStack.AppHost.Publishing.Monitoring;
using AiStack.ServiceDefaults.Resilience;
using AiStack.Tests.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Publishing;

/// <summary>
/// The alert rules with Prometheus's own promtool (Debian's `prometheus` package): valid, each alert fired by a crafted failing
/// series and silent on a healthy one (aistack-alerts.test.yml), the PrometheusRule carrying the same groups, and every metric
/// the rules read one that the stack really exposes.
/// </summary>
[Collection(PublishedStackCollection.Name)]
public sealed partial class AlertRuleTests(PublishedStack stack)
{
    private const string PromtoolInstall = "install Prometheus's promtool with `apt-get install -y --no-install-recommends prometheus` (scripts/test.sh does).";

    private string RulesFile => Path.Combine(stack.Output, MonitoringManifests.Folder, MonitoringManifests.RulesFile);

    [Fact]
    public async Task Promtool_accepts_the_rules()
    {
        var promtool = ExternalTool.Require("promtool", PromtoolInstall);
        var check = await ExternalTool.RunAsync(promtool, ["check", "rules", RulesFile]);
        Assert.True(check.ExitCode == 0, check.All);
        Assert.Contains($"SUCCESS: {Alerts(File.ReadAllText(RulesFile)).Count} rules found", check.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_unit_tests_fire_each_alert_on_a_failing_series_and_none_on_a_healthy_stack()
    {
        var promtool = ExternalTool.Require("promtool", PromtoolInstall);
        var folder = PublishOutputTests.TempFolder();
        Directory.CreateDirectory(folder);
        try
        {
            var tests = Path.Combine(AppContext.BaseDirectory, "Publishing", "aistack-alerts.test.yml");
            File.Copy(tests, Path.Combine(folder, "aistack-alerts.test.yml"));
            File.Copy(RulesFile, Path.Combine(folder, MonitoringManifests.RulesFile));

            var run = await ExternalTool.RunAsync(promtool, ["test", "rules", "aistack-alerts.test.yml"], folder);

            Assert.True(run.ExitCode == 0, run.All);
            Assert.Contains("SUCCESS", run.All, StringComparison.Ordinal);
            // Every alert is in both test groups: fired by the failing stack (with its labels and annotations), silent on the healthy one.
            var text = File.ReadAllText(tests);
            var groups = text.Split("  - name: ", StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            Assert.Equal(2, groups.Count);
            foreach (var alert in Alerts(File.ReadAllText(RulesFile)))
            {
                Assert.Contains($"alertname: {alert}\n        exp_alerts:\n          - exp_labels:", groups[0], StringComparison.Ordinal);
                Assert.Contains($"alertname: {alert}, exp_alerts: [] }}", groups[1], StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_prometheus_rule_carries_exactly_the_plain_rules()
    {
        var plain = string.Join('\n', File.ReadAllText(RulesFile).Split('\n').SkipWhile(line => line.StartsWith('#')));
        var rule = File.ReadAllText(Path.Combine(stack.Output, MonitoringManifests.Folder, "prometheusrule.yaml"));
        var spec = rule[(rule.IndexOf("\nspec:\n", StringComparison.Ordinal) + "\nspec:\n".Length)..];
        var unindented = string.Join('\n', spec.Split('\n').Select(line => line.StartsWith("  ", StringComparison.Ordinal) ? line[2..] : line));

        Assert.Contains("kind: PrometheusRule", rule, StringComparison.Ordinal);
        Assert.Equal(plain.TrimEnd('\n'), unindented.TrimEnd('\n'));
    }

    [Fact]
    public void Each_service_has_a_service_monitor_and_grafana_gets_the_dashboard()
    {
        var monitors = ServiceMonitor().Matches(stack.RenderedMonitoring).Select(match => match.Groups[1].Value).ToList();
        Assert.Equal(["coordinator", "dashboard", "knowledgebase", "learning", "ralph"], monitors.Order());
        Assert.Equal(5, Regex.Count(stack.RenderedMonitoring, @"- path: /metrics\n\s+port: http|- interval: 30s\n\s+path: /metrics\n\s+port: http"));
        Assert.Contains("grafana_dashboard: \"1\"", stack.RenderedMonitoring, StringComparison.Ordinal);
        Assert.Contains("namespace: aistack", stack.RenderedMonitoring, StringComparison.Ordinal);

        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(stack.Output, MonitoringManifests.Folder, MonitoringManifests.DashboardFile)));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray()).Select(target => target.GetProperty("expr").GetString()!).ToList();
        Assert.True(expressions.Count >= 12);
        Assert.All(MetricNames(string.Join('\n', expressions)), AssertExposed);
    }

    [Fact]
    public async Task The_rules_read_metrics_the_stack_really_exposes()
    {
        // ServiceDefaults' own metrics, from a real scrape of a service built the way every AiStack service is.
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        service.Services.GetRequiredService<CircuitBreakerRegistry>().Register("coordinator:8092", () => BreakerState.Open);
        using var client = service.Client();
        (await client.GetAsync(new Uri("/notes/7", UriKind.Relative))).Dispose();
        var scrape = AiStack.Tests.Infrastructure.PrometheusText.WithoutScope(await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.Matches(@"http_server_request_duration_seconds_bucket\{[^}]*http_response_status_code=""200""[^}]*http_route=""/notes/\{id:int\}""", scrape);
        Assert.Contains("http_server_request_duration_seconds_count{", scrape, StringComparison.Ordinal);
        Assert.Contains("aistack_circuit_breaker_state{name=\"coordinator:8092\"} 2", scrape, StringComparison.Ordinal);

        Assert.All(MetricNames(File.ReadAllText(RulesFile)), AssertExposed);
    }

    /// <summary>
    /// A metric is exposed when an instrument of that name exists in the services' code, or is one of ASP.NET Core's or of
    /// Microsoft.Extensions.AI's OpenTelemetry client (gen_ai.client.*, the Coordinator's UseOpenTelemetry).
    /// </summary>
    private void AssertExposed(string metric)
    {
        if (metric is "up" || metric.StartsWith("kube_", StringComparison.Ordinal) || metric.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal)
            || metric.StartsWith("gen_ai_client_operation_duration_seconds", StringComparison.Ordinal) || metric.StartsWith("gen_ai_client_token_usage", StringComparison.Ordinal))
        {
            return;
        }

        var instrument = Regex.Replace(Regex.Replace(metric, "_(bucket|count|sum)$", string.Empty), "_total$", string.Empty);
        var withoutUnit = Regex.Replace(instrument, "_(seconds|bytes)$", string.Empty);
        Assert.True(Instruments.Value.Contains(instrument) || Instruments.Value.Contains(withoutUnit), $"No instrument in the services' code is exported as {metric}.");
    }

    /// <summary>Every string literal of the services and ServiceDefaults that could name an instrument, with '.' read as '_'.</summary>
    private Lazy<HashSet<string>> Instruments => new(() => Directory.GetFiles(Path.Combine(stack.RepositoryRoot, "AiStack.Services"), "*.cs", SearchOption.AllDirectories)
        .Concat(Directory.GetFiles(Path.Combine(stack.RepositoryRoot, "AiStack.ServiceDefaults"), "*.cs", SearchOption.AllDirectories))
        .Where(path => !path.Contains("/obj/", StringComparison.Ordinal))
        .SelectMany(path => Literal().Matches(File.ReadAllText(path)).Select(match => match.Groups[1].Value.Replace('.', '_')))
        .ToHashSet(StringComparer.Ordinal));

    private static List<string> Alerts(string rules) => AlertName().Matches(rules).Select(match => match.Groups[1].Value).ToList();

    private static IEnumerable<string> MetricNames(string expressions) =>
        MetricName().Matches(Regex.Replace(expressions, "\\{[^}]*\\}|\"[^\"]*\"|\\[[^\\]]*\\]", " "))
            .Select(match => match.Value)
            .Where(name => name.Contains('_', StringComparison.Ordinal) || name == "up")
            .Where(name => name is not ("histogram_quantile" or "label_values" or "humanize" or "http_route" or "http_response_status_code"))
            .Distinct();

    [GeneratedRegex(@"""([a-z][a-z0-9_.]*)""")]
    private static partial Regex Literal();

    [GeneratedRegex(@"- alert: (\w+)")]
    private static partial Regex AlertName();

    [GeneratedRegex(@"\b[a-z_][a-z0-9_]*\b")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"kind: ServiceMonitor\nmetadata:\n(?:  .*\n)*?  name: (\w+)")]
    private static partial Regex ServiceMonitor();
}
