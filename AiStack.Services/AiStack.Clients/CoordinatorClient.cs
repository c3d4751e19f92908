using AiStack.Contracts.Coordinator;

namespace AiStack.Clients;

/// <summary>The Coordinator (<c>services__coordinator__http__0</c>, port 8092): queries, feedback and its live routing settings.</summary>
public sealed class CoordinatorClient(HttpClient http) : ServiceClient(http, ServiceName)
{
    public const string ServiceName = "coordinator";

    /// <summary>GET /stats: queries by route and reason, the response cache, the remote budget, the backends' breakers.</summary>
    public Task<CoordinatorStats> StatsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<CoordinatorStats>("stats", cancellationToken);

    /// <summary>POST /query. The Coordinator retrieves the context, routes and answers; a prompt over its limit is a 400.</summary>
    public Task<QueryResponse> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<QueryResponse>("query", request, cancellationToken);

    public Task<AugmentQueryResponse> AugmentAsync(AugmentQueryRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<AugmentQueryResponse>("augment_query", request, cancellationToken);

    public Task<FeedbackResponse> FeedbackAsync(FeedbackRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<FeedbackResponse>("feedback", request, cancellationToken);

    /// <summary>GET /settings: every routing setting.</summary>
    public Task<RoutingSettings> GetSettingsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<RoutingSettings>(RoutingSettings.Route.TrimStart('/'), cancellationToken);

    /// <summary>PATCH /settings: changes the fields that are set, keeps the others; returns every setting after the change.</summary>
    public Task<RoutingSettings> UpdateSettingsAsync(RoutingSettings change, CancellationToken cancellationToken = default) =>
        PatchAsync<RoutingSettings>(RoutingSettings.Route.TrimStart('/'), change, cancellationToken);
}
