using AiStack.Clients;

namespace AiStack.Dashboard.Stack;

/// <summary>Restarts through the AppHost's control API, which answers once the resource is ready again.</summary>
public sealed class AppHostRestarter(StackControlClient control) : IServiceRestarter
{
    public string Mode => RestartModes.AppHost;

    public Task RestartAsync(string service, CancellationToken cancellationToken) => control.RestartAsync(service, cancellationToken);

    public Task RestartAllAsync(CancellationToken cancellationToken) => control.RestartAllAsync(cancellationToken);
}
