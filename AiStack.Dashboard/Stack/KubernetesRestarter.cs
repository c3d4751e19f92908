using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace AiStack.Dashboard.Stack;

/// <summary>
/// A rollout restart, as <c>kubectl rollout restart deployment/NAME</c> does it: a new <c>restartedAt</c> annotation on the pod
/// template, so the Deployment replaces its pods one by one.
/// </summary>
public sealed partial class KubernetesRestarter(IKubernetes kubernetes, IOptions<DashboardOptions> options, TimeProvider time, ILogger<KubernetesRestarter> logger)
    : IServiceRestarter
{
    public const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

    public string Mode => RestartModes.Kubernetes;

    public async Task RestartAsync(string service, CancellationToken cancellationToken)
    {
        var settings = options.Value.Kubernetes;
        var stamp = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RestartedAtAnnotation] = stamp } } } },
        };
        var patch = new V1Patch(body.ToJsonString(), V1Patch.PatchType.StrategicMergePatch);
        await kubernetes.AppsV1.PatchNamespacedDeploymentAsync(patch, service, settings.Namespace, cancellationToken: cancellationToken);
        LogRolloutRestart(logger, service, settings.Namespace);
    }

    public async Task RestartAllAsync(CancellationToken cancellationToken)
    {
        foreach (var service in Clients.ServiceNames.All)
        {
            await RestartAsync(service, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout restart of deployment {Deployment} in namespace {Namespace}")]
    private static partial void LogRolloutRestart(ILogger logger, string deployment, string @namespace);
}
