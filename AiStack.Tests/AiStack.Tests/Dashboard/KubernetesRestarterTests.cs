using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using AiStack.Dashboard;
using AiStack.Dashboard.Clients;
using AiStack.Dashboard.Stack;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiStack.Tests.Dashboard;

/// <summary>
/// No Kubernetes API server can run here, so the rollout restart is checked against a small server that answers the documented
/// PATCH of a Deployment (apps/v1) and keeps what it was sent, the way the Qdrant adapter is tested.
/// </summary>
public sealed class KubernetesRestarterTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Path, string ContentType, JsonObject Body)> _patches = new();
    private WebApplication _api = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var port = LocalServerProcess.FreeTcpPort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        _api = builder.Build();
        _api.MapMethods("/apis/apps/v1/namespaces/{ns}/deployments/{name}", ["PATCH"], async (string ns, string name, HttpRequest request) =>
        {
            var body = (await System.Text.Json.JsonSerializer.DeserializeAsync<JsonObject>(request.Body))!;
            _patches.Enqueue((request.Path, request.ContentType ?? "", body));
            return Results.Json(new JsonObject
            {
                ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            });
        });
        await _api.StartAsync();
        _address = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private KubernetesRestarter Restarter(out Kubernetes client)
    {
        client = new Kubernetes(new KubernetesClientConfiguration { Host = _address.ToString() });
        var options = Options.Create(new DashboardOptions { Restarts = RestartModes.Kubernetes, Kubernetes = { Namespace = "aistack-dev" } });
        return new KubernetesRestarter(client, options, TimeProvider.System, NullLogger<KubernetesRestarter>.Instance);
    }

    [Fact]
    public async Task A_restart_patches_the_deployments_pod_template_with_a_new_restarted_at()
    {
        var restarter = Restarter(out var client);
        using (client)
        {
            var before = DateTimeOffset.UtcNow;
            await restarter.RestartAsync("ralph", CancellationToken.None);

            var (path, contentType, body) = Assert.Single(_patches);
            Assert.Equal("/apis/apps/v1/namespaces/aistack-dev/deployments/ralph", path);
            Assert.StartsWith("application/strategic-merge-patch+json", contentType, StringComparison.Ordinal);
            var stamp = DateTimeOffset.Parse(body["spec"]!["template"]!["metadata"]!["annotations"]![KubernetesRestarter.RestartedAtAnnotation]!.GetValue<string>(),
                System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(stamp, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        }
    }

    [Fact]
    public async Task Restart_all_rolls_every_service()
    {
        var restarter = Restarter(out var client);
        using (client)
        {
            await restarter.RestartAllAsync(CancellationToken.None);
            Assert.Equal(ServiceNames.All.Select(s => $"/apis/apps/v1/namespaces/aistack-dev/deployments/{s}"), _patches.Select(p => p.Path));
        }
    }
}
