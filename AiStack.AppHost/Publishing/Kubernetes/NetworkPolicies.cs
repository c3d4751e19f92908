using k8s.Models;

namespace AiStack.AppHost.Publishing.Kubernetes;

/// <summary>
/// Default deny for the namespace, then one policy per workload that opens exactly the app model's edges: ingress from the
/// workloads that reference it (on the referenced ports), egress to the workloads it references, plus DNS; external bindings,
/// Prometheus from the monitoring namespace, the OTLP collector and (for the control center) the Kubernetes API are the only
/// other openings.
/// </summary>
public sealed class NetworkPolicies(PublishOptions options)
{
    public const string DefaultDenyName = "default-deny";
    public const string MonitoringNamespaceLabel = "kubernetes.io/metadata.name";

    /// <summary>The API server's ports: 443 on its Service, 6443 where K3s listens (policies see the port after DNAT).</summary>
    public static readonly int[] KubernetesApiPorts = [443, 6443];

    public static V1NetworkPolicy DefaultDeny() => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta { Name = DefaultDenyName, Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [Labels.PartOf] = Labels.Stack } },
        Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), PolicyTypes = ["Ingress", "Egress"] },
    };

    /// <summary>The edges of the app model: who calls whom on which port (the backup job counts as a caller of its database).</summary>
    public static IReadOnlyList<(string From, string To, int Port)> Edges(IReadOnlyList<Workload> workloads, string? backupOf)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        var edges = workloads.SelectMany(workload => workload.References.Select(reference => (workload.Name, reference.Resource, reference.Port))).ToList();
        if (backupOf is not null)
        {
            var postgres = workloads.Single(workload => workload.Name == backupOf);
            edges.Add((PostgresBackup.BackupName, postgres.Name, postgres.Bindings[0].TargetPort));
        }

        return edges.Distinct().ToList();
    }

    public V1NetworkPolicy For(string name, Workload? workload, IReadOnlyList<(string From, string To, int Port)> edges, bool callsKubernetesApi,
        IReadOnlyCollection<string>? workloadNames = null)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var ingress = edges.Where(edge => edge.To == name)
            .GroupBy(edge => edge.Port)
            .OrderBy(group => group.Key)
            .Select(group => new V1NetworkPolicyIngressRule
            {
                FromProperty = group.Select(edge => edge.From).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                    .Select(from => new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(from) } }).ToList(),
                Ports = [Port(group.Key)],
            })
            .ToList();
        if (workload is not null)
        {
            ingress.AddRange(workload.Bindings.Where(binding => binding.External).Select(binding => new V1NetworkPolicyIngressRule { Ports = [Port(binding.TargetPort)] }));
            if (workload.IsProject)
            {
                var metrics = workload.Bindings.First(binding => binding.Scheme == "http");
                ingress.Add(new V1NetworkPolicyIngressRule
                {
                    FromProperty = [NamespacePeer(options.MonitoringNamespace)],
                    Ports = [Port(metrics.TargetPort)],
                });
            }
        }

        var egress = edges.Where(edge => edge.From == name)
            .GroupBy(edge => edge.To, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(group.Key) } }],
                Ports = group.Select(edge => edge.Port).Distinct().Order().Select(Port).ToList(),
            })
            .ToList();
        egress.Add(Dns());
        if (workload is { IsProject: true } && options.OtlpEndpoint is { } otlp)
        {
            egress.Add(Otlp(otlp));
        }

        if (workload is not null && workloadNames is not null && workload.ExternalEndpoints(workloadNames) is { Count: > 0 } external)
        {
            // An address outside the cluster has no selector; its port is what the app model says about it.
            egress.Add(new V1NetworkPolicyEgressRule { Ports = external.Select(uri => Port(uri.Port)).ToList() });
        }

        if (callsKubernetesApi)
        {
            egress.Add(new V1NetworkPolicyEgressRule { Ports = KubernetesApiPorts.Select(Port).ToList() });
        }

        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = WorkloadManifests.Metadata(name, "network-policy"),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = Labels.Selector(name) },
                PolicyTypes = ["Ingress", "Egress"],
                Ingress = ingress,
                Egress = egress,
            },
        };
    }

    private static V1NetworkPolicyPort Port(int port) => new() { Port = port, Protocol = "TCP" };

    private static V1NetworkPolicyPeer NamespacePeer(string name) => new()
    {
        NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal) { [MonitoringNamespaceLabel] = name } },
    };

    private static V1NetworkPolicyEgressRule Dns() => new()
    {
        To =
        [
            new V1NetworkPolicyPeer
            {
                NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal) { [MonitoringNamespaceLabel] = "kube-system" } },
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["k8s-app"] = "kube-dns" } },
            },
        ],
        Ports = [new V1NetworkPolicyPort { Port = 53, Protocol = "UDP" }, new V1NetworkPolicyPort { Port = 53, Protocol = "TCP" }],
    };

    /// <summary>The collector's namespace when its host is a cluster name (<c>collector.monitoring[.svc…]</c>), else any address on its port.</summary>
    private static V1NetworkPolicyEgressRule Otlp(Uri endpoint)
    {
        var labels = endpoint.Host.Split('.');
        var inCluster = labels.Length >= 2 && (labels.Length == 2 || labels[2] == "svc");
        return new V1NetworkPolicyEgressRule
        {
            To = inCluster ? [NamespacePeer(labels[1])] : null,
            Ports = [Port(endpoint.Port)],
        };
    }
}
