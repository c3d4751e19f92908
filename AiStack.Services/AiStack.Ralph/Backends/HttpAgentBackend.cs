using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AiStack.Ralph.Backends;

/// <summary>The original aider wrapper's request: POST /api/execute.</summary>
public sealed record AgentExecuteRequest(string Prompt, IReadOnlyList<string> Files, JsonObject? Context, int Iteration, string Mode, string Workspace);

/// <summary>The original aider wrapper's answer.</summary>
public sealed record AgentExecuteResponse
{
    public string? Status { get; init; }
    public string? Output { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<string>? FilesModified { get; init; }
    public int? ExitCode { get; init; }
    public bool Completed { get; init; }
    public double? DurationSeconds { get; init; }
}

/// <summary>An agent behind the original's wrapper contract (<c>POST {url}/api/execute</c>).</summary>
public sealed class HttpAgentBackend(string name, Uri baseAddress, TimeSpan timeout, IHttpClientFactory clients) : IAgentBackend
{
    public const string ClientName = "ralph-http-backend";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Name => name;

    public string Kind => "http";

    public TimeSpan Timeout => timeout;

    public async Task<BackendResult> RunAsync(BackendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = clients.CreateClient(ClientName);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Timeout);
        var body = new AgentExecuteRequest(request.Input, [], request.Task.ContextObject, request.Iteration, "ralph", request.Workspace);
        try
        {
            using var response = await http.PostAsJsonAsync(new Uri(baseAddress, "api/execute"), body, Json, deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new BackendResult(BackendResult.UnreachableExitCode, "", $"agent answered {(int)response.StatusCode}: {Cut(text)}", false, [], 0, null);
            }

            var answer = JsonSerializer.Deserialize<AgentExecuteResponse>(text, Json) ?? new AgentExecuteResponse();
            var exitCode = answer.ExitCode ?? (string.Equals(answer.Status, "success", StringComparison.OrdinalIgnoreCase) ? 0 : 1);
            return new BackendResult(exitCode, answer.Output ?? "", string.IsNullOrEmpty(answer.Error) ? null : answer.Error, answer.Completed,
                answer.FilesModified ?? [], 0, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new BackendResult(BackendResult.TimeoutExitCode, "", $"agent did not answer within {request.Timeout.TotalSeconds:0.###} s", false, [], 0, null);
        }
        catch (HttpRequestException e)
        {
            return new BackendResult(BackendResult.UnreachableExitCode, "", $"agent unreachable at {baseAddress}: {e.Message}", false, [], 0, null);
        }
        catch (JsonException e)
        {
            return new BackendResult(BackendResult.UnreachableExitCode, "", $"agent answered something that is not the wrapper's JSON: {e.Message}", false, [], 0, null);
        }
    }

    private static string Cut(string text) => text.Length <= 500 ? text : text[..500] + "...";
}
