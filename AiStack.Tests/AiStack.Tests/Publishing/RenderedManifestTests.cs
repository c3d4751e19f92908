using System.Net;
using AiStack.AppHost.Publishing;
using AiStack.AppHost.Publishing.Kubernetes;
using AiStack.Tests.ServiceDefaults;
using k8s.Models;

namespace AiStack.Tests.Publishing;

/// <summary>What `kubectl kustomize` renders from aspirate-output/, loaded as KubernetesClient's typed objects and checked.</summary>
[Collection(PublishedStackCollection.Name)]
public sealed class RenderedManifestTests(PublishedStack stack)
{
    private static readonly string[] Services = ["knowledgebase", "learning", "coordinator", "ralph", "dashboard"];
    private static readonly string[] Servers = ["postgres", "redis", "qdrant"];

    public static TheoryData<string> Roots => new(AspirateWriter.Roots);

    [Theory]
    [MemberData(nameof(Roots))]
    public void Kustomize_renders_every_workload_with_its_service_and_policy(string root)
    {
        var objects = stack.Rendered[root];
        var expectedNamespace = root == AspirateWriter.DevOverlay ? "aistack-dev" : "aistack";

        Assert.Equal(Services.Order(), PublishedStack.OfKind<V1Deployment>(objects).Select(d => d.Metadata.Name).Order());
        Assert.Equal(Servers.Order(), PublishedStack.OfKind<V1StatefulSet>(objects).Select(s => s.Metadata.Name).Order());
        Assert.Equal(Services.Concat(Servers).Order(), PublishedStack.OfKind<V1Service>(objects).Select(s => s.Metadata.Name).Order());
        Assert.Equal(expectedNamespace, Assert.Single(PublishedStack.OfKind<V1Namespace>(objects)).Metadata.Name);
        Assert.All(objects.OfType<IMetadata<V1ObjectMeta>>().Where(item => item is not V1Namespace),
            item => Assert.Equal(expectedNamespace, item.Metadata.NamespaceProperty));
        Assert.Single(PublishedStack.OfKind<V1CronJob>(objects));
        Assert.Contains(PublishedStack.OfKind<V1Secret>(objects), secret => secret.Metadata.Name == WorkloadManifests.SecretName);
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public void Every_container_has_requests_and_limits_for_cpu_and_memory(string root)
    {
        var containers = PublishedStack.Pods(stack.Rendered[root]).SelectMany(pod => pod.Pod.Containers.Select(container => (pod.Owner, container))).ToList();
        Assert.Equal(Services.Length + Servers.Length + 1, containers.Count);
        foreach (var (owner, container) in containers)
        {
            foreach (var key in new[] { "cpu", "memory" })
            {
                Assert.True(container.Resources?.Requests?.ContainsKey(key) == true, $"{owner} has no {key} request");
                Assert.True(container.Resources?.Limits?.ContainsKey(key) == true, $"{owner} has no {key} limit");
                Assert.True(container.Resources!.Requests[key].ToDecimal() <= container.Resources.Limits[key].ToDecimal(), $"{owner}'s {key} request exceeds its limit");
            }
        }
    }

    [Fact]
    public async Task Each_service_probes_health_endpoints_that_really_answer()
    {
        // The endpoints every service maps through ServiceDefaults' MapDefaultEndpoints: a service built the same way answers them.
        await using var service = await TestServiceApp.StartAsync();
        using var client = service.Client(withApiKey: false);
        foreach (var deployment in PublishedStack.OfKind<V1Deployment>(stack.Base))
        {
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            var probes = new Dictionary<string, V1Probe?>
            {
                [WorkloadManifests.StartupPath] = container.StartupProbe,
                [WorkloadManifests.LivePath] = container.LivenessProbe,
                [WorkloadManifests.ReadyPath] = container.ReadinessProbe,
            };
            foreach (var (path, probe) in probes)
            {
                Assert.True(probe?.HttpGet is not null, $"{deployment.Metadata.Name} has no HTTP probe for {path}");
                Assert.Equal(path, probe!.HttpGet.Path);
                var port = Assert.Single(container.Ports, p => p.Name == probe.HttpGet.Port.Value);
                var kubernetesService = Assert.Single(PublishedStack.OfKind<V1Service>(stack.Base), s => s.Metadata.Name == deployment.Metadata.Name);
                Assert.Contains(kubernetesService.Spec.Ports, p => p.TargetPort.Value == port.Name);
                using var answer = await client.GetAsync(new Uri(path, UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }
        }

        foreach (var name in Services.Where(name => name != "dashboard"))
        {
            var program = File.ReadAllText(Path.Combine(stack.RepositoryRoot, "AiStack.Services", "AiStack." + ProjectName(name), "Program.cs"));
            Assert.Contains("MapDefaultEndpoints", program + EntryPoint(name), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Servers_are_probed_on_their_own_ports_and_keep_data_on_volumes()
    {
        foreach (var statefulSet in PublishedStack.OfKind<V1StatefulSet>(stack.Base))
        {
            var container = Assert.Single(statefulSet.Spec.Template.Spec.Containers);
            Assert.All(new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe },
                probe => Assert.Contains(container.Ports, port => port.Name == probe.TcpSocket.Port.Value));
            var claim = Assert.Single(statefulSet.Spec.VolumeClaimTemplates);
            Assert.Contains(container.VolumeMounts, mount => mount.Name == claim.Metadata.Name);
        }
    }

    [Theory]
    [MemberData(nameof(Roots))]
    public void Pods_run_as_non_root_without_privilege_and_services_on_a_read_only_root(string root)
    {
        foreach (var (owner, pod) in PublishedStack.Pods(stack.Rendered[root]))
        {
            Assert.True(pod.SecurityContext?.RunAsNonRoot == true, $"{owner} may run as root");
            Assert.Equal("RuntimeDefault", pod.SecurityContext!.SeccompProfile?.Type);
            var container = Assert.Single(pod.Containers);
            Assert.False(container.SecurityContext?.AllowPrivilegeEscalation ?? true, $"{owner} allows privilege escalation");
            Assert.Contains("ALL", container.SecurityContext!.Capabilities?.Drop ?? []);
            if (owner != "qdrant")
            {
                Assert.True(container.SecurityContext.ReadOnlyRootFilesystem == true, $"{owner} has a writable root filesystem");
            }
        }
    }

    [Fact]
    public void Connection_strings_and_discovery_use_aspires_variable_names_and_secrets_come_from_the_secret()
    {
        var configMaps = PublishedStack.OfKind<V1ConfigMap>(stack.Base).ToDictionary(map => map.Metadata.Name);
        var ralph = Assert.Single(PublishedStack.OfKind<V1Deployment>(stack.Base), d => d.Metadata.Name == "ralph").Spec.Template.Spec.Containers[0];

        Assert.Equal(["aistack-config", "ralph-env"], ralph.EnvFrom.Select(source => source.ConfigMapRef.Name));
        var settings = configMaps["ralph-env"].Data;
        Assert.Equal("http://knowledgebase:8091", settings["services__knowledgebase__http__0"]);
        Assert.Equal("http://coordinator:8092", settings["services__coordinator__http__0"]);
        Assert.Equal("http://learning:8095", settings["services__learning__http__0"]);
        Assert.Equal("http://+:8098", settings["Urls"]);
        var env = ralph.Env.ToDictionary(variable => variable.Name);
        Assert.Equal("Host=postgres;Port=5432;Username=ralph;Password=$(AISTACK_SECRET_POSTGRES_RALPH_PASSWORD);Database=ralph", env["ConnectionStrings__postgres"].Value);
        Assert.Equal(("aistack-secrets", "postgres-ralph-password"), (env["AISTACK_SECRET_POSTGRES_RALPH_PASSWORD"].ValueFrom.SecretKeyRef.Name, env["AISTACK_SECRET_POSTGRES_RALPH_PASSWORD"].ValueFrom.SecretKeyRef.Key));
        Assert.Equal("api-key", env["Security__ApiKey"].ValueFrom.SecretKeyRef.Key);
        // Kubernetes expands $(NAME) only from variables defined before it.
        Assert.True(ralph.Env.ToList().FindIndex(v => v.Name == "AISTACK_SECRET_POSTGRES_RALPH_PASSWORD") < ralph.Env.ToList().FindIndex(v => v.Name == "ConnectionStrings__postgres"));

        var knowledgeBase = Assert.Single(PublishedStack.OfKind<V1Deployment>(stack.Base), d => d.Metadata.Name == "knowledgebase").Spec.Template.Spec.Containers[0].Env.ToDictionary(v => v.Name);
        Assert.Equal("redis:6379,password=$(AISTACK_SECRET_REDIS_PASSWORD)", knowledgeBase["ConnectionStrings__redis"].Value);
        Assert.Equal("Endpoint=http://qdrant:6333;Key=$(AISTACK_SECRET_QDRANT_KEY)", knowledgeBase["ConnectionStrings__qdrant"].Value);
        Assert.All(configMaps.Values.SelectMany(map => map.Data ?? new Dictionary<string, string>()),
            setting => Assert.DoesNotContain("AISTACK_SECRET_", setting.Value, StringComparison.Ordinal));
    }

    [Fact]
    public void Production_scales_the_stateless_services_with_disruption_budgets_and_keeps_learning_single_active()
    {
        var deployments = PublishedStack.OfKind<V1Deployment>(stack.Prod).ToDictionary(d => d.Metadata.Name);
        var budgets = PublishedStack.OfKind<V1PodDisruptionBudget>(stack.Prod).ToList();

        Assert.True(deployments["ralph"].Spec.Replicas > 1, "Ralph runs several replicas in production (SKIP LOCKED claims)");
        Assert.True(deployments["knowledgebase"].Spec.Replicas > 1);
        Assert.True(deployments["coordinator"].Spec.Replicas > 1);
        Assert.Equal(1, deployments["learning"].Spec.Replicas);
        Assert.Equal("Recreate", deployments["learning"].Spec.Strategy.Type);
        foreach (var deployment in deployments.Values)
        {
            var budget = budgets.SingleOrDefault(b => b.Spec.Selector.MatchLabels.SequenceEqual(deployment.Spec.Selector.MatchLabels));
            Assert.True((deployment.Spec.Replicas > 1) == (budget is not null), $"{deployment.Metadata.Name}: a PodDisruptionBudget exactly where replicas > 1");
            Assert.True(budget is null || budget.Spec.MaxUnavailable.Value == "1");
        }

        Assert.All(PublishedStack.OfKind<V1Deployment>(stack.Dev), deployment => Assert.Equal(1, deployment.Spec.Replicas));
        Assert.Empty(PublishedStack.OfKind<V1PodDisruptionBudget>(stack.Dev));
        Assert.Empty(PublishedStack.OfKind<V1PodDisruptionBudget>(stack.Base));
    }

    [Fact]
    public void The_control_center_may_only_read_and_patch_the_deployments_of_its_namespace()
    {
        foreach (var objects in stack.Rendered.Values)
        {
            Assert.Empty(objects.OfType<V1ClusterRole>());
            Assert.Empty(objects.OfType<V1ClusterRoleBinding>());
            var role = Assert.Single(objects.OfType<V1Role>());
            var rule = Assert.Single(role.Rules);
            Assert.Equal(["apps"], rule.ApiGroups);
            Assert.Equal(["deployments"], rule.Resources);
            Assert.Subset(new HashSet<string> { "get", "list", "watch", "patch" }, rule.Verbs.ToHashSet());
            Assert.Contains("patch", rule.Verbs);
            var binding = Assert.Single(objects.OfType<V1RoleBinding>());
            Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
            var subject = Assert.Single(binding.Subjects);
            Assert.Equal(("ServiceAccount", "dashboard", role.Metadata.NamespaceProperty), (subject.Kind, subject.Name, subject.NamespaceProperty));

            foreach (var (owner, pod) in PublishedStack.Pods(objects))
            {
                Assert.Equal(owner == "dashboard", pod.AutomountServiceAccountToken == true);
                Assert.Equal(owner == "dashboard" ? "dashboard" : null, pod.ServiceAccountName);
            }
        }
    }

    [Fact]
    public void Images_are_named_by_the_registry_and_tag_of_the_publish()
    {
        var images = PublishedStack.Pods(stack.Base).Select(pod => (pod.Owner, pod.Pod.Containers[0].Image)).ToDictionary(pair => pair.Owner, pair => pair.Image);
        Assert.All(Services, name => Assert.Equal($"aistack/{name}:latest", images[name]));
        Assert.Equal("docker.io/library/postgres:17.6", images["postgres"]);
        Assert.Equal(images["postgres"], images[PostgresBackup.BackupName]);
    }

    private static string ProjectName(string resource) => resource switch
    {
        "knowledgebase" => "KnowledgeBase",
        _ => char.ToUpperInvariant(resource[0]) + resource[1..],
    };

    private static string EntryPoint(string resource)
    {
        var folder = Path.Combine(PublishCommand.RepositoryRoot(), "AiStack.Services", "AiStack." + ProjectName(resource));
        return string.Concat(Directory.GetFiles(folder, "*EntryPoint.cs").Select(File.ReadAllText));
    }
}
