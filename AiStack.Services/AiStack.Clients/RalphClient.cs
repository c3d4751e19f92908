using System.Globalization;
using System.Text;
using AiStack.Contracts.Tasks;

namespace AiStack.Clients;

/// <summary>Ralph's task API and settings (<c>services__ralph__http__0</c>, port 8098).</summary>
public sealed class RalphClient(HttpClient http) : ServiceClient(http, ServiceName)
{
    public const string ServiceName = "ralph";

    public Task<SubmitTaskResponse> SubmitAsync(SubmitTaskRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<SubmitTaskResponse>(TaskRoutes.Tasks, request, cancellationToken);

    public Task<TaskListResponse> ListAsync(TaskListQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<TaskListResponse>((query ?? new TaskListQuery()).ToPath(), cancellationToken);

    public Task<TaskView> GetAsync(string taskId, CancellationToken cancellationToken = default) =>
        GetAsync<TaskView>(TaskRoutes.Task(taskId), cancellationToken);

    public Task<TaskResultResponse> ResultAsync(string taskId, int offset = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        GetAsync<TaskResultResponse>(TaskRoutes.Result(taskId, offset, limit), cancellationToken);

    public Task<IterationView> IterationAsync(string taskId, int number, CancellationToken cancellationToken = default) =>
        GetAsync<IterationView>(TaskRoutes.Iteration(taskId, number), cancellationToken);

    public Task<StopResponse> StopAsync(string taskId, CancellationToken cancellationToken = default) =>
        PostAsync<StopResponse>(TaskRoutes.Stop(taskId), null, cancellationToken);

    /// <summary>Approves (or, with <paramref name="approved"/> false, rejects) the task's pending iteration.</summary>
    public Task<ApproveResponse> ApproveAsync(string taskId, bool approved = true, CancellationToken cancellationToken = default) =>
        PostAsync<ApproveResponse>(TaskRoutes.Approve(taskId, approved), null, cancellationToken);

    public Task<SettingsResponse> GetSettingsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<SettingsResponse>(RalphSettingsRoutes.Settings, cancellationToken);

    public Task<SettingsResponse> UpdateSettingsAsync(SettingsUpdate update, CancellationToken cancellationToken = default) =>
        PutAsync<SettingsResponse>(RalphSettingsRoutes.Settings, update, cancellationToken);

    public Task<IReadOnlyList<SettingsChange>> SettingsHistoryAsync(int limit = 50, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<SettingsChange>>(string.Create(CultureInfo.InvariantCulture, $"{RalphSettingsRoutes.History}?limit={limit}"), cancellationToken);

    public Task<RalphStatsResponse> StatsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<RalphStatsResponse>(RalphSettingsRoutes.Stats, cancellationToken);
}

/// <summary>GET /tasks filters; every one optional.</summary>
public sealed record TaskListQuery(string? Status = null, string? Backend = null, string? Tag = null, int Limit = 50, int Offset = 0)
{
    public string ToPath()
    {
        var path = new StringBuilder(TaskRoutes.Tasks).Append(CultureInfo.InvariantCulture, $"?limit={Limit}&offset={Offset}");
        Append(path, "status", Status);
        Append(path, "backend", Backend);
        Append(path, "tag", Tag);
        return path.ToString();
    }

    private static void Append(StringBuilder path, string name, string? value)
    {
        if (value is not null)
        {
            path.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }
}
