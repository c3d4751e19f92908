using AiStack.Clients;
using AiStack.Contracts.Coordinator;
using AiStack.Ralph.Workspaces;

namespace AiStack.Ralph.Backends;

/// <summary>
/// The built-in backend: the Coordinator answers the iteration input (which already carries the KnowledgeBase's context). File
/// edits in the answer (<c>&lt;file path="..."&gt;content&lt;/file&gt;</c>) are written inside the workspace only; an answer holding
/// <c>&lt;complete/&gt;</c> sets the completed flag. Exit code 0 when the Coordinator answered, 1 when an edit was refused,
/// 125 when the Coordinator could not be reached.
/// </summary>
public sealed class LlmBackend(CoordinatorClient coordinator, TimeSpan timeout) : IAgentBackend
{
    public const string BuiltInName = "llm";
    public const string CompleteMarker = "<complete/>";

    public string Name => BuiltInName;

    public string Kind => "llm";

    public TimeSpan Timeout => timeout;

    public async Task<BackendResult> RunAsync(BackendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Timeout);
        QueryResponse answer;
        try
        {
            answer = await coordinator.QueryAsync(new QueryRequest { Prompt = request.Input, GenerateResponse = true, AgentType = "ralph" }, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new BackendResult(BackendResult.TimeoutExitCode, "", $"the Coordinator did not answer within {request.Timeout.TotalSeconds:0.###} s", false, [], 0, null);
        }
        catch (HttpRequestException e)
        {
            return new BackendResult(BackendResult.UnreachableExitCode, "", e.Message, false, [], 0, null);
        }

        var text = answer.Response ?? "";
        var edits = FileEdits.Parse(text);
        var applied = FileEdits.Apply(request.Workspace, edits, out var refused);
        var exitCode = refused.Count > 0 ? 1 : 0;
        return new BackendResult(exitCode, text, refused.Count > 0 ? "refused edits: " + string.Join("; ", refused) : null,
            text.Contains(CompleteMarker, StringComparison.Ordinal), applied, answer.Tokens?.Total ?? 0, answer.Route);
    }
}
