using System.Globalization;

namespace AiStack.Dashboard.Clients;

/// <summary>Learning's stats, patterns, dataset and proposals, and the stored telemetry events the charts are drawn from.</summary>
public sealed class LearningClient(HttpClient http) : ServiceClient(http, ServiceNames.Learning)
{
    /// <summary>The most events one <c>GET /events</c> returns (Learning's own limit).</summary>
    public const int MaxEvents = 5000;

    public Task<LearningStats> StatsAsync(CancellationToken cancellationToken) => GetAsync<LearningStats>("learning/stats", cancellationToken);

    public Task<ProposalList> ProposalsAsync(CancellationToken cancellationToken) => GetAsync<ProposalList>("learning/proposals", cancellationToken);

    public Task<PatternList> PatternsAsync(int limit, CancellationToken cancellationToken) =>
        GetAsync<PatternList>(string.Create(CultureInfo.InvariantCulture, $"learning/patterns?limit={limit}"), cancellationToken);

    public Task<DatasetExport> ExportAsync(CancellationToken cancellationToken) =>
        SendAsync<DatasetExport>(HttpMethod.Post, "learning/export", null, cancellationToken);

    /// <summary>The fine-tuning dataset as Learning serves it (JSONL), for the control center to pass on to a signed-in browser.</summary>
    public async Task<Stream> DatasetAsync(CancellationToken cancellationToken)
    {
        var response = await Http.GetAsync(new Uri("learning/dataset", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ServiceCallException.FromResponseAsync(Service, "GET", "/learning/dataset", response, cancellationToken);
            }
        }

        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    public Task<EventList> EventsAsync(string type, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"events?type={Uri.EscapeDataString(type)}&limit={MaxEvents}");
        if (since is { } from)
        {
            path += "&since=" + Uri.EscapeDataString(from.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        }

        return GetAsync<EventList>(path, cancellationToken);
    }
}
