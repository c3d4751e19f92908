using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiStack.Learning.Clients;

/// <summary>Typed client for Ralph (base address from <c>services__ralph__http__0</c>): submits approval-gated tasks.</summary>
public sealed class RalphClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary><c>POST /tasks</c> with <c>require_approval = true</c>; returns Ralph's task id.</summary>
    public async Task<string> SubmitApprovalGatedTaskAsync(string prompt, JsonObject context, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var request = new TaskRequest(prompt, null, null, RequireApproval: true, context, tags);
        using var response = await http.PostAsJsonAsync("tasks", request, Json, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"Ralph /tasks answered {(int)response.StatusCode}: {detail[..Math.Min(detail.Length, 300)]}", null, response.StatusCode);
        }

        var body = await response.Content.ReadFromJsonAsync<TaskAnswer>(Json, cancellationToken);
        return body?.TaskId ?? throw new HttpRequestException("Ralph /tasks answered without a task_id.");
    }

    private sealed record TaskRequest(string Prompt, string? Backend, int? MaxIterations, bool RequireApproval, JsonObject Context, IReadOnlyList<string> Tags);

    private sealed record TaskAnswer(string? TaskId, string? Status, string? Message);
}
