using AiStack.Contracts.Stack;

namespace AiStack.Clients;

/// <summary>The AppHost's control API (<c>services__apphost__http__0</c>, port 8890): resources, their logs, restarts.</summary>
public sealed class StackControlClient(HttpClient http) : ServiceClient(http, ServiceName)
{
    public const string ServiceName = "apphost";

    public Task<IReadOnlyList<ResourceSnapshot>> ResourcesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<ResourceSnapshot>>(Relative(ControlApiRoutes.Resources), cancellationToken);

    public Task<ResourceSnapshot> ResourceAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync<ResourceSnapshot>(Relative(ControlApiRoutes.Resource(name)), cancellationToken);

    public Task<ResourceLogs> LogsAsync(string name, int tail = 100, CancellationToken cancellationToken = default) =>
        GetAsync<ResourceLogs>(Relative(ControlApiRoutes.Logs(name, tail)), cancellationToken);

    /// <summary>Restarts one resource and answers once it is back (or a 503 naming why it could not start).</summary>
    public Task<ResourceSnapshot> RestartAsync(string name, CancellationToken cancellationToken = default) =>
        PostAsync<ResourceSnapshot>(Relative(ControlApiRoutes.Restart(name)), null, cancellationToken);

    public Task<IReadOnlyList<ResourceSnapshot>> RestartAllAsync(CancellationToken cancellationToken = default) =>
        PostAsync<IReadOnlyList<ResourceSnapshot>>(Relative(ControlApiRoutes.RestartAll), null, cancellationToken);

    // The routes are absolute paths ("/api/..."); relative to the base address they keep a path prefix the AppHost may sit behind.
    private static string Relative(string route) => route.TrimStart('/');
}
