namespace AiStack.Dashboard.Stack;

/// <summary>Restarts the stack's services: through the AppHost in development, as a rollout restart on Kubernetes.</summary>
public interface IServiceRestarter
{
    /// <summary>Whether restarts wait until the service is back (the AppHost) or only start a rollout (Kubernetes).</summary>
    string Mode { get; }

    Task RestartAsync(string service, CancellationToken cancellationToken);

    Task RestartAllAsync(CancellationToken cancellationToken);
}
