using System.Globalization;
using System.Net;
using AiStack.Clients;
using AiStack.Contracts;
using AiStack.Contracts.Coordinator;
using AiStack.Ralph.Workspaces;

namespace AiStack.Ralph.Backends;

/// <summary>
/// The built-in backend: one Coordinator <c>/query</c> per iteration (the Coordinator retrieves the KnowledgeBase's context and puts it
/// into the prompt; Ralph asks nobody else). The iteration input tells the model the workspace and the edit format; the answer's file
/// blocks (<see cref="FileEdits"/>) are written inside the workspace only, and <c>&lt;complete/&gt;</c> sets the completed flag.
/// Exit codes: 0 when the Coordinator answered and every edit was applied, 1 when an edit was refused or the Coordinator refused the
/// request (its reason in the error), 124 on timeout, 125 when the Coordinator could not be reached or failed.
/// </summary>
public sealed class LlmBackend(CoordinatorClient coordinator, TimeSpan timeout) : IAgentBackend
{
    public const string BuiltInName = "llm";
    public const string CompleteMarker = "<complete/>";
    public const string AgentType = "ralph";

    public string Name => BuiltInName;

    public string Kind => BuiltInName;

    public TimeSpan Timeout => timeout;

    public async Task<BackendResult> RunAsync(BackendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Input.Length > WireLimits.MaxQueryPromptChars)
        {
            return Failed(1, string.Create(CultureInfo.InvariantCulture,
                $"the iteration input has {request.Input.Length} characters; the Coordinator takes at most {WireLimits.MaxQueryPromptChars} (shorten the task's prompt or context)"));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Timeout);
        QueryResponse answer;
        try
        {
            answer = await coordinator.QueryAsync(new QueryRequest
            {
                Prompt = request.Input,
                GenerateResponse = true,
                AgentType = AgentType,
                MaxTokens = request.MaxTokens,
            }, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(BackendResult.TimeoutExitCode, $"the Coordinator did not answer within {request.Timeout.TotalSeconds:0.###} s");
        }
        catch (ServiceCallException e) when (e.StatusCode is { } status && (int)status is >= 400 and < 500 && status != HttpStatusCode.TooManyRequests)
        {
            // The request itself was refused: retrying the same input would be refused again, so the reason goes to the next iteration.
            return Failed(1, e.Message);
        }
        catch (HttpRequestException e)
        {
            return Failed(BackendResult.UnreachableExitCode, e.Message);
        }

        var text = answer.Response ?? "";
        var edits = FileEdits.Parse(text);
        var applied = FileEdits.Apply(request.Workspace, edits, out var refused);
        var exitCode = refused.Count > 0 ? 1 : 0;
        return new BackendResult(exitCode, text, refused.Count > 0 ? "refused edits: " + string.Join("; ", refused) : null,
            text.Contains(CompleteMarker, StringComparison.Ordinal), applied, answer.Tokens?.Total ?? 0, answer.Route);
    }

    private static BackendResult Failed(int exitCode, string error) => new(exitCode, "", error, false, [], 0, null);
}
