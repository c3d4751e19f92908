namespace AiStack.Dashboard.Clients;

/// <summary>The Coordinator's stats: routes, cache, remote budget and backend breakers.</summary>
public sealed class CoordinatorClient(HttpClient http) : ServiceClient(http, ServiceNames.Coordinator)
{
    public Task<CoordinatorStats> StatsAsync(CancellationToken cancellationToken) => GetAsync<CoordinatorStats>("stats", cancellationToken);
}
