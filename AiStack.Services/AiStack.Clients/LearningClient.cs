using AiStack.Contracts.Learning;
using AiStack.Contracts.Telemetry;

namespace AiStack.Clients;

/// <summary>The Learning service (<c>services__learning__http__0</c>, port 8095): event ingest, stats, proposals, the dataset.</summary>
public sealed class LearningClient(HttpClient http) : ServiceClient(http, ServiceName)
{
    public const string ServiceName = "learning";

    /// <summary>
    /// POST /events: stores the new events, counts the ones already known (delivery is idempotent) and lists, by index, the events
    /// refused on their own (<see cref="TelemetryBatchResult.Rejected"/>); the others are stored all the same. A batch whose every
    /// event is refused, or whose body is unreadable or too large, throws <see cref="ServiceCallException"/> with the problem details.
    /// </summary>
    public async Task<TelemetryBatchResult> SendEventsAsync(TelemetryBatch batch, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(LearningRoutes.Events, UriKind.Relative))
        {
            // Events keep their own spelling (TelemetryEvent.Json): payloads are written as their producers wrote them.
            Content = System.Net.Http.Json.JsonContent.Create(batch, options: TelemetryEvent.Json),
        };
        using var response = await SendCoreAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await FailureAsync(response, cancellationToken);
        }

        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<TelemetryBatchResult>(response.Content, TelemetryEvent.Json, cancellationToken)
               ?? throw new ServiceCallException(Service, "learning answered /events with an empty body.", response.StatusCode);
    }

    public Task<LearningStatsResponse> StatsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<LearningStatsResponse>(LearningRoutes.Stats, cancellationToken);

    /// <summary>GET /learning/patterns: the most valuable patterns first.</summary>
    public Task<PatternListResponse> PatternsAsync(int limit = 50, CancellationToken cancellationToken = default) =>
        GetAsync<PatternListResponse>(LearningRoutes.Patterns(limit), cancellationToken);

    /// <summary>GET /events: the stored events of one type, newest first (at most <see cref="LearningRoutes.MaxEventQuery"/>).</summary>
    public async Task<EventListResponse> EventsAsync(string type, DateTimeOffset? since = null, int limit = LearningRoutes.MaxEventQuery,
        CancellationToken cancellationToken = default)
    {
        using var response = await SendCoreAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(LearningRoutes.EventQuery(type, since, limit), UriKind.Relative)), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await FailureAsync(response, cancellationToken);
        }

        // Events keep their own spelling (TelemetryEvent.Json), as on ingest.
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<EventListResponse>(response.Content, TelemetryEvent.Json, cancellationToken)
               ?? throw new ServiceCallException(Service, "learning answered /events with an empty body.", response.StatusCode);
    }

    /// <summary>POST /learning/process: processes every unprocessed event now (a 409 when another replica holds the pipeline).</summary>
    public Task<ProcessResponse> ProcessAsync(CancellationToken cancellationToken = default) =>
        PostAsync<ProcessResponse>(LearningRoutes.Process, null, cancellationToken);

    public Task<ExportResponse> ExportAsync(CancellationToken cancellationToken = default) =>
        PostAsync<ExportResponse>(LearningRoutes.Export, null, cancellationToken);

    public Task<ProposalListResponse> ProposalsAsync(string? status = null, CancellationToken cancellationToken = default) =>
        GetAsync<ProposalListResponse>(LearningRoutes.Proposals(status), cancellationToken);

    /// <summary>GET /learning/dead_letters: events whose processing failed, quarantined and retrying.</summary>
    public Task<DeadLetterListResponse> DeadLettersAsync(CancellationToken cancellationToken = default) =>
        GetAsync<DeadLetterListResponse>(LearningRoutes.DeadLetters, cancellationToken);

    /// <summary>POST /learning/dead_letters/{seq}/replay, or every quarantined event with no <paramref name="seq"/>: back into processing once.</summary>
    public Task<ReplayResponse> ReplayDeadLettersAsync(long? seq = null, CancellationToken cancellationToken = default) =>
        PostAsync<ReplayResponse>(seq is { } one ? LearningRoutes.ReplayDeadLetter(one) : LearningRoutes.ReplayAllDeadLetters, null, cancellationToken);

    public Task<AbCompareResponse> AbCompareAsync(AbCompareRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<AbCompareResponse>(LearningRoutes.AbCompare, request, cancellationToken);

    /// <summary>GET /learning/dataset: the fine-tuning dataset (chat JSONL) as a stream; the caller disposes it.</summary>
    public async Task<Stream> DatasetAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendCoreAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(LearningRoutes.Dataset, UriKind.Relative)), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await FailureAsync(response, cancellationToken);
            }
        }

        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }
}
