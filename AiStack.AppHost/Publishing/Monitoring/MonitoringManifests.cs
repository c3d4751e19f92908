using System.Text;
using AiStack.AppHost.Publishing.Kubernetes;

namespace AiStack.AppHost.Publishing.Monitoring;

/// <summary>
/// <c>monitoring/</c>: the alert rules as a plain Prometheus rules file and as a <c>PrometheusRule</c>, a <c>ServiceMonitor</c>
/// per service's <c>/metrics</c>, and the Grafana dashboard (as a file and as a ConfigMap for Grafana's dashboard sidecar).
/// The Prometheus Operator's kinds live apart from the stack's kustomization, so clusters without the operator apply the stack alone.
/// </summary>
public sealed class MonitoringManifests(PublishOptions options)
{
    public const string Folder = "monitoring/";
    public const string RulesFile = "aistack-alerts.rules.yml";
    public const string DashboardFile = "grafana-dashboard.json";

    public IEnumerable<KeyValuePair<string, string>> Generate(IReadOnlyList<Workload> workloads)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        var services = workloads.Where(workload => workload.IsProject).ToList();
        var servers = workloads.Where(workload => !workload.IsProject).ToList();
        var rules = Resource(RulesFile)
            .Replace("__SERVICES__", string.Join('|', services.Select(service => service.Name)), StringComparison.Ordinal)
            .Replace("__SERVERS__", string.Join('|', servers.Select(server => server.Name)), StringComparison.Ordinal);
        yield return KeyValuePair.Create(Folder + RulesFile, rules);
        yield return KeyValuePair.Create(Folder + "prometheusrule.yaml", PrometheusRule(rules));
        yield return KeyValuePair.Create(Folder + "servicemonitors.yaml", ServiceMonitors(services));
        yield return KeyValuePair.Create(Folder + DashboardFile, Resource(DashboardFile));
        yield return KeyValuePair.Create(Folder + "kustomization.yaml", Kustomization());
    }

    private static string PrometheusRule(string rules)
    {
        var yaml = new StringBuilder(AspirateWriter.Header);
        yaml.Append("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: aistack-alerts\n  labels:\n");
        yaml.Append("    ").Append(Labels.PartOf).Append(": ").Append(Labels.Stack).Append("\nspec:\n");
        foreach (var line in rules.Split('\n').SkipWhile(line => line.StartsWith('#')))
        {
            yaml.Append(line.Length == 0 ? string.Empty : "  " + line).Append('\n');
        }

        return yaml.ToString().TrimEnd('\n') + "\n";
    }

    private static string ServiceMonitors(IReadOnlyList<Workload> services)
    {
        var yaml = new StringBuilder(AspirateWriter.Header);
        var first = true;
        foreach (var service in services)
        {
            var http = service.Bindings.First(binding => binding.Scheme == "http");
            yaml.Append(first ? string.Empty : "---\n");
            first = false;
            yaml.Append("apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: ").Append(service.Name).Append('\n');
            yaml.Append("  labels:\n    ").Append(Labels.App).Append(": ").Append(service.Name).Append("\n    ").Append(Labels.PartOf).Append(": ").Append(Labels.Stack).Append('\n');
            yaml.Append("spec:\n  selector:\n    matchLabels:\n      ").Append(Labels.App).Append(": ").Append(service.Name).Append('\n');
            yaml.Append("  endpoints:\n    - port: ").Append(http.Name).Append("\n      path: /metrics\n      interval: 30s\n");
        }

        return yaml.ToString();
    }

    private string Kustomization() =>
        AspirateWriter.Header +
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" +
        $"namespace: {Publishing.Kustomization.Quote(options.Namespace)}\n" +
        "resources:\n  - \"prometheusrule.yaml\"\n  - \"servicemonitors.yaml\"\n" +
        "generatorOptions:\n  disableNameSuffixHash: true\n  labels:\n    grafana_dashboard: \"1\"\n" +
        "configMapGenerator:\n  - name: \"aistack-grafana-dashboard\"\n    files:\n      - \"" + DashboardFile + "\"\n";

    private static string Resource(string name)
    {
        using var stream = typeof(MonitoringManifests).Assembly.GetManifestResourceStream("AiStack.Publishing.Monitoring." + name)
            ?? throw new InvalidOperationException($"The AppHost was built without its embedded {name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }
}
