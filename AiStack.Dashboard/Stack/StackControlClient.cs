using AiStack.Contracts.Stack;
using AiStack.Dashboard.Clients;

namespace AiStack.Dashboard.Stack;

/// <summary>The AppHost's control API (<see cref="ControlApiRoutes"/>): resource states, recent errors, restarts.</summary>
public sealed class StackControlClient(HttpClient http) : ServiceClient(http, ServiceName)
{
    /// <summary>The AppHost's discovery name: its address comes as <c>services__apphost__http__0</c>.</summary>
    public const string ServiceName = "apphost";

    public Task<List<ResourceSnapshot>> ResourcesAsync(CancellationToken cancellationToken) =>
        GetAsync<List<ResourceSnapshot>>(Relative(ControlApiRoutes.Resources), cancellationToken);

    public Task<ResourceSnapshot> ResourceAsync(string name, CancellationToken cancellationToken) =>
        GetAsync<ResourceSnapshot>(Relative(ControlApiRoutes.Resource(name)), cancellationToken);

    public Task<ResourceSnapshot> RestartAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<ResourceSnapshot>(HttpMethod.Post, Relative(ControlApiRoutes.Restart(name)), null, cancellationToken);

    public Task<List<ResourceSnapshot>> RestartAllAsync(CancellationToken cancellationToken) =>
        SendAsync<List<ResourceSnapshot>>(HttpMethod.Post, Relative(ControlApiRoutes.RestartAll), null, cancellationToken);

    private static string Relative(string route) => route.TrimStart('/');
}
