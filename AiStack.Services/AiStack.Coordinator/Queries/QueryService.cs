using System.Diagnostics;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.KnowledgeBase;
using AiStack.Contracts.Tasks;
using AiStack.Contracts.Telemetry;
using AiStack.Coordinator.Knowledge;
using AiStack.Coordinator.Routing;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AiStack.Coordinator.Queries;

/// <summary>
/// POST /query: retrieve context from the KnowledgeBase once, take the routing confidence from those same results, let the
/// hybrid pipeline answer a prompt that holds the context once, and record the interaction. A KnowledgeBase that is down costs
/// the context, not the answer.
/// </summary>
public sealed partial class QueryService(
    IChatClient pipeline,
    HybridRouterChatClient router,
    KnowledgeBaseClient knowledgeBase,
    InteractionLog interactions,
    ITelemetryEvents events,
    IOptionsMonitor<QueryOptions> options,
    IOptionsMonitor<RoutingOptions> routing,
    TimeProvider time,
    ILogger<QueryService> logger)
{
    public async Task<QueryResponse> AnswerAsync(QueryRequest request, string text, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var settings = options.CurrentValue;
        var retrieval = await RetrieveAsync(text, request.Collections, request.Project, request.Limit, request.ScoreThreshold, cancellationToken);
        var context = retrieval.Results;
        var score = request.Private ? null : retrieval.Confidence(routing.CurrentValue.ConfidenceCollections);
        var hints = new RouteHints(request.Private, request.PreferLocal, null, score, ConfidenceKnown: true);
        var chatOptions = hints.ApplyTo(new ChatOptions
        {
            MaxOutputTokens = request.MaxTokens ?? settings.DefaultMaxTokens,
            Temperature = (float?)request.Temperature,
        });
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, PromptBuilder.SystemPrompt),
            new(ChatRole.User, PromptBuilder.Augment(text, context, request.AgentType, settings.MaxChunkCharsInPrompt)),
        };

        string route, reason;
        string? backend = null, answer = null;
        long input = 0, output = 0;
        var cached = false;
        if (request.GenerateResponse)
        {
            var response = await pipeline.GetResponseAsync(messages, chatOptions, cancellationToken);
            answer = response.Text;
            route = response.AdditionalProperties.Get(RouteHints.RouteKey) ?? "unknown";
            reason = response.AdditionalProperties.Get(RouteHints.ReasonKey) ?? "unknown";
            backend = response.AdditionalProperties.Get(RouteHints.BackendKey);
            input = response.Usage?.InputTokenCount ?? 0;
            output = response.Usage?.OutputTokenCount ?? 0;
            cached = response.IsCached();
        }
        else
        {
            var decision = await router.DecideAsync(messages, chatOptions, cancellationToken);
            route = decision.Primary.ToWireName();
            reason = decision.Reason;
        }

        var latency = time.GetElapsedTime(started).TotalMilliseconds;
        var interaction = new Interaction(interactions.NewId(), request.Private ? ContentHash.Of(text) : text, request.Private && answer is not null ? ContentHash.Of(answer) : answer, route, reason, request.AgentType, input + output, latency, context.Count, time.GetUtcNow());
        interactions.Record(interaction);
        events.Publish(TelemetryEventTypes.QueryAnswered, new QueryAnsweredPayload
        {
            InteractionId = interaction.Id,
            // A private request's text stays on this machine's model and out of the learning pipeline.
            Query = interaction.Query,
            Response = interaction.Response,
            Private = request.Private,
            Route = route,
            Reason = reason,
            Backend = backend,
            Confidence = score,
            AgentType = request.AgentType,
            ContextCount = context.Count,
            ContextCollections = context.Select(c => c.Collection).Distinct().ToArray(),
            InputTokens = input,
            OutputTokens = output,
            LatencyMs = Math.Round(latency, 2),
            Cached = cached,
        });
        return new QueryResponse(interaction.Id, route, backend, answer, context, score, reason,
            TaskComplexityClassifier.Classify(text).ToWireName(), Math.Round(latency, 2), new TokenCounts(input, output, input + output), cached, retrieval.Note);
    }

    /// <summary>
    /// One KnowledgeBase call for a prompt's context. A prompt longer than the KnowledgeBase accepts is searched by its first
    /// <see cref="ContextLimits.MaxQueryChars"/> characters (cut at a word), and the answer says so.
    /// </summary>
    public async Task<Retrieval> RetrieveAsync(
        string text, IReadOnlyList<string>? collections, string? project, int? limit, double? minScore, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var count = Math.Clamp(limit ?? settings.DefaultContextLimit, 1, settings.MaxContextLimit);
        var (query, note) = RetrievalQuery(text);
        try
        {
            var results = await knowledgeBase.GetContextAsync(query, collections is { Count: > 0 } ? collections : settings.DefaultCollections, project, count, minScore, cancellationToken);
            return new Retrieval(results, Answered: true, note);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or Polly.ExecutionRejectedException
                                   && !cancellationToken.IsCancellationRequested)
        {
            LogNoContext(logger, ex.Message);
            Activity.Current?.AddEvent(new ActivityEvent("context_unavailable"));
            return new Retrieval([], Answered: false, note);
        }
    }

    internal static (string Query, string? Note) RetrievalQuery(string text)
    {
        if (text.Length <= ContextLimits.MaxQueryChars)
        {
            return (text, null);
        }

        var cut = text.LastIndexOfAny([' ', '\n', '\t'], ContextLimits.MaxQueryChars - 1, ContextLimits.MaxQueryChars / 4);
        var query = text[..(cut > 0 ? cut : ContextLimits.MaxQueryChars)];
        return (query, $"The prompt has {text.Length} characters; context was searched with its first {query.Length} " +
                       $"(the KnowledgeBase's limit is {ContextLimits.MaxQueryChars}). The whole prompt went to the model.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answering without context: the KnowledgeBase did not answer ({Error})")]
    private static partial void LogNoContext(ILogger logger, string error);
}

/// <summary>What one KnowledgeBase call gave: the context, whether the KnowledgeBase answered at all, and a note on trimming.</summary>
public sealed record Retrieval(IReadOnlyList<ContextResult> Results, bool Answered, string? Note)
{
    /// <summary>
    /// The routing confidence from the same results that become the context: the top score in the confidence collections,
    /// 0 when none matched, null when the KnowledgeBase did not answer (routing then uses its no-context rule).
    /// </summary>
    public double? Confidence(IReadOnlyCollection<string> confidenceCollections) =>
        !Answered ? null : Results.Where(r => confidenceCollections.Contains(r.Collection)).Select(r => r.Score).DefaultIfEmpty(0).Max();
}
