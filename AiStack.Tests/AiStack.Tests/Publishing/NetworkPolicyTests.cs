using System.Text.Json;
using System.Text.RegularExpressions;
using AiStack.AppHost.Publishing.Kubernetes;
using k8s.Models;

namespace AiStack.Tests.Publishing;

/// <summary>
/// The NetworkPolicies allow exactly the app model's references. The edges are read here straight from the manifest JSON
/// (every <c>{resource.bindings…}</c> and <c>{resource.connectionString}</c> in a workload's environment, followed through
/// value.v0 resources), independently of the publisher's own resolver.
/// </summary>
[Collection(PublishedStackCollection.Name)]
public sealed partial class NetworkPolicyTests(PublishedStack stack)
{
    [Fact]
    public void The_namespace_denies_all_traffic_by_default()
    {
        foreach (var objects in stack.Rendered.Values)
        {
            var deny = Assert.Single(objects.OfType<V1NetworkPolicy>(), policy => policy.Metadata.Name == NetworkPolicies.DefaultDenyName);
            Assert.Empty(deny.Spec.PodSelector.MatchLabels ?? new Dictionary<string, string>());
            Assert.Equal(["Ingress", "Egress"], deny.Spec.PolicyTypes);
            Assert.Null(deny.Spec.Ingress);
            Assert.Null(deny.Spec.Egress);
        }
    }

    [Fact]
    public void Every_pod_to_pod_rule_is_an_edge_of_the_app_model_and_every_edge_is_open_both_ways()
    {
        var model = ManifestEdges();
        Assert.Contains(("ralph", "coordinator", 8092), model);
        Assert.Contains(("knowledgebase", "postgres", 5432), model);
        model.Add((PostgresBackup.BackupName, "postgres", 5432));
        var policies = stack.Base.OfType<V1NetworkPolicy>().Where(policy => policy.Metadata.Name != NetworkPolicies.DefaultDenyName).ToList();
        var ingress = new HashSet<(string, string, int)>();
        var egress = new HashSet<(string, string, int)>();
        foreach (var policy in policies)
        {
            var self = policy.Spec.PodSelector.MatchLabels[Labels.App];
            foreach (var rule in policy.Spec.Ingress ?? [])
            {
                foreach (var peer in rule.FromProperty ?? [])
                {
                    if (peer.PodSelector is { } pods && peer.NamespaceSelector is null)
                    {
                        ingress.UnionWith(rule.Ports.Select(port => (pods.MatchLabels[Labels.App], self, int.Parse(port.Port.Value, System.Globalization.CultureInfo.InvariantCulture))));
                    }
                    else
                    {
                        // The only other source: Prometheus in the monitoring namespace, on the service's http port.
                        Assert.Equal("monitoring", peer.NamespaceSelector!.MatchLabels[NetworkPolicies.MonitoringNamespaceLabel]);
                        Assert.Null(peer.PodSelector);
                    }
                }

                if (rule.FromProperty is null)
                {
                    // From anywhere: only a binding the app model marks external (the control center's UI).
                    Assert.Equal("dashboard", self);
                    Assert.Equal("8888", Assert.Single(rule.Ports).Port.Value);
                }
            }

            foreach (var rule in policy.Spec.Egress ?? [])
            {
                foreach (var peer in rule.To ?? [])
                {
                    if (peer.NamespaceSelector is null)
                    {
                        egress.UnionWith(rule.Ports.Select(port => (self, peer.PodSelector.MatchLabels[Labels.App], int.Parse(port.Port.Value, System.Globalization.CultureInfo.InvariantCulture))));
                    }
                    else
                    {
                        Assert.Equal("kube-system", peer.NamespaceSelector.MatchLabels[NetworkPolicies.MonitoringNamespaceLabel]);
                        Assert.Equal("kube-dns", peer.PodSelector.MatchLabels["k8s-app"]);
                        Assert.All(rule.Ports, port => Assert.Equal("53", port.Port.Value));
                    }
                }

                if (rule.To is null)
                {
                    // To anywhere: only the control center, only the Kubernetes API (for its rollout restarts).
                    Assert.Equal("dashboard", self);
                    Assert.Equal(NetworkPolicies.KubernetesApiPorts.Select(port => port.ToString(System.Globalization.CultureInfo.InvariantCulture)), rule.Ports.Select(port => port.Port.Value));
                }
            }
        }

        Assert.Equal(model.Order(), ingress.Order());
        Assert.Equal(model.Order(), egress.Order());
    }

    [Fact]
    public async Task A_configured_otlp_collector_is_the_one_more_egress_and_every_service_is_told_its_address()
    {
        var output = PublishOutputTests.TempFolder();
        try
        {
            await stack.PublishAsync(output, "--otlp-endpoint", "http://otel-collector.monitoring:4317");
            var kubectl = ExternalTool.Require("kubectl", PublishedStack.KubectlInstall);
            var objects = k8s.KubernetesYaml.LoadAllFromString(await PublishedStack.RenderAsync(kubectl, Path.Combine(output, "overlays", "prod")));
            var shared = Assert.Single(objects.OfType<V1ConfigMap>(), map => map.Metadata.Name == WorkloadManifests.SharedConfigName);
            Assert.Equal("http://otel-collector.monitoring:4317", shared.Data["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal("grpc", shared.Data["OTEL_EXPORTER_OTLP_PROTOCOL"]);
            var ralph = Assert.Single(objects.OfType<V1NetworkPolicy>(), policy => policy.Metadata.Name == "ralph");
            Assert.Contains(ralph.Spec.Egress, rule => rule.To?.SingleOrDefault()?.NamespaceSelector?.MatchLabels[NetworkPolicies.MonitoringNamespaceLabel] == "monitoring"
                && rule.Ports.Single().Port.Value == "4317");
            var postgres = Assert.Single(objects.OfType<V1NetworkPolicy>(), policy => policy.Metadata.Name == "postgres");
            Assert.DoesNotContain(postgres.Spec.Egress, rule => rule.Ports.Any(port => port.Port.Value == "4317"));

            Assert.DoesNotContain(stack.Base.OfType<V1ConfigMap>(), map => map.Data?.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT") == true);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>(caller, callee, port) for every reference in the manifest's workloads' environment.</summary>
    private HashSet<(string From, string To, int Port)> ManifestEdges()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(stack.ManifestPath));
        var resources = manifest.RootElement.GetProperty("resources");
        var edges = new HashSet<(string, string, int)>();
        foreach (var resource in resources.EnumerateObject())
        {
            var type = resource.Value.GetProperty("type").GetString()!;
            if (!type.StartsWith("project.", StringComparison.Ordinal) && !type.StartsWith("container.", StringComparison.Ordinal))
            {
                continue;
            }

            if (resource.Value.TryGetProperty("env", out var env))
            {
                foreach (var variable in env.EnumerateObject())
                {
                    Collect(resource.Name, variable.Value.GetString()!, resources, edges, depth: 0);
                }
            }
        }

        return edges;
    }

    private static void Collect(string consumer, string value, JsonElement resources, HashSet<(string, string, int)> edges, int depth)
    {
        Assert.True(depth < 10, "the manifest's connection strings refer to each other in a loop");
        foreach (Match match in Reference().Matches(value))
        {
            var target = resources.GetProperty(match.Groups[1].Value);
            if (match.Groups[2].Value == "connectionString")
            {
                Collect(consumer, target.GetProperty("connectionString").GetString()!, resources, edges, depth + 1);
                continue;
            }

            var binding = target.GetProperty("bindings").GetProperty(match.Groups[3].Value);
            var port = binding.TryGetProperty("targetPort", out var targetPort) ? targetPort.GetInt32() : binding.GetProperty("port").GetInt32();
            if (match.Groups[1].Value != consumer && match.Groups[4].Value is "host" or "port" or "url")
            {
                edges.Add((consumer, match.Groups[1].Value, port));
            }
        }
    }

    [GeneratedRegex(@"\{([\w-]+)\.(connectionString|bindings)(?:\.([\w-]+)\.(\w+))?\}")]
    private static partial Regex Reference();
}
