using System.Globalization;

namespace AiStack.Dashboard.Clients;

/// <summary>Ralph's API as the control center uses it: settings, stats, tasks and their iterations, approve / reject / stop.</summary>
public sealed class RalphClient(HttpClient http) : ServiceClient(http, ServiceNames.Ralph)
{
    public Task<RalphSettingsResponse> SettingsAsync(CancellationToken cancellationToken) =>
        GetAsync<RalphSettingsResponse>("settings", cancellationToken);

    public Task<RalphSettingsResponse> UpdateSettingsAsync(RalphSettingsUpdate update, CancellationToken cancellationToken) =>
        SendAsync<RalphSettingsResponse>(HttpMethod.Put, "settings", update, cancellationToken);

    public Task<RalphStats> StatsAsync(CancellationToken cancellationToken) => GetAsync<RalphStats>("stats", cancellationToken);

    public Task<RalphTaskList> TasksAsync(string? status, int limit, int offset, CancellationToken cancellationToken)
    {
        var query = string.Create(CultureInfo.InvariantCulture, $"tasks?limit={limit}&offset={offset}");
        return GetAsync<RalphTaskList>(status is null ? query : $"{query}&status={Uri.EscapeDataString(status)}", cancellationToken);
    }

    public Task<RalphTaskResult> ResultAsync(string taskId, CancellationToken cancellationToken) =>
        GetAsync<RalphTaskResult>($"tasks/{Uri.EscapeDataString(taskId)}/result?limit=500", cancellationToken);

    public Task<RalphSubmitted> SubmitAsync(RalphTaskSubmission task, CancellationToken cancellationToken) =>
        SendAsync<RalphSubmitted>(HttpMethod.Post, "tasks", task, cancellationToken);

    public Task DecideAsync(string taskId, bool approved, CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Post, $"tasks/{Uri.EscapeDataString(taskId)}/approve?approved={(approved ? "true" : "false")}", null, cancellationToken);

    public Task StopAsync(string taskId, CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Post, $"tasks/{Uri.EscapeDataString(taskId)}/stop", null, cancellationToken);
}
