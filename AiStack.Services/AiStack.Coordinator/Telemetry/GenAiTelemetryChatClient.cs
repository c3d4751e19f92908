using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AiStack.Coordinator.Telemetry;

/// <summary>
/// Traces and measures every model call by the OpenTelemetry GenAI semantic conventions: a client span "chat {model}"
/// with gen_ai.* attributes, operation duration and token usage histograms (Microsoft.Extensions.AI's own
/// OpenTelemetryChatClient is not served here).
/// </summary>
public sealed class GenAiTelemetryChatClient(IChatClient inner, CoordinatorTelemetry telemetry, string provider, string route, TimeProvider timeProvider)
    : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var model = RequestModel(options);
        using var activity = Start(model, options);
        var started = timeProvider.GetTimestamp();
        string? error = null;
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            Complete(activity, response.ModelId, response.FinishReason, response.Usage);
            return response;
        }
        catch (Exception ex)
        {
            error = ex.GetType().Name;
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            Record(model, started, error);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = RequestModel(options);
        using var activity = Start(model, options);
        var started = timeProvider.GetTimestamp();
        string? error = null;
        UsageDetails? usage = null;
        ChatFinishReason? finish = null;
        string? responseModel = null;
        await using var enumerator = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception ex)
                {
                    error = ex.GetType().Name;
                    activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    throw;
                }

                var update = enumerator.Current;
                finish ??= update.FinishReason;
                responseModel ??= update.ModelId;
                foreach (var content in update.Contents.OfType<UsageContent>())
                {
                    usage = content.Details;
                }

                yield return update;
            }

            Complete(activity, responseModel, finish, usage);
        }
        finally
        {
            Record(model, started, error);
        }
    }

    private string RequestModel(ChatOptions? options) =>
        options?.ModelId ?? InnerClient.GetService<ChatClientMetadata>()?.DefaultModelId ?? provider;

    private Activity? Start(string model, ChatOptions? options)
    {
        var activity = CoordinatorTelemetry.ActivitySource.StartActivity($"chat {model}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("gen_ai.operation.name", "chat");
            activity.SetTag("gen_ai.provider.name", provider);
            activity.SetTag("gen_ai.request.model", model);
            activity.SetTag("aistack.route", route);
            if (options?.MaxOutputTokens is { } max)
            {
                activity.SetTag("gen_ai.request.max_tokens", max);
            }

            if (options?.Temperature is { } temperature)
            {
                activity.SetTag("gen_ai.request.temperature", temperature);
            }
        }

        return activity;
    }

    private void Complete(Activity? activity, string? responseModel, ChatFinishReason? finish, UsageDetails? usage)
    {
        var tags = new TagList { { "gen_ai.operation.name", "chat" }, { "gen_ai.provider.name", provider } };
        if (usage?.InputTokenCount is { } input)
        {
            telemetry.TokenUsage.Record(input, [.. tags, new("gen_ai.token.type", "input")]);
            telemetry.Tokens.Add(input, new("route", route), new("type", "input"));
        }

        if (usage?.OutputTokenCount is { } output)
        {
            telemetry.TokenUsage.Record(output, [.. tags, new("gen_ai.token.type", "output")]);
            telemetry.Tokens.Add(output, new("route", route), new("type", "output"));
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("gen_ai.response.model", responseModel);
            activity.SetTag("gen_ai.response.finish_reasons", finish is { } f ? new[] { f.Value } : null);
            activity.SetTag("gen_ai.usage.input_tokens", usage?.InputTokenCount);
            activity.SetTag("gen_ai.usage.output_tokens", usage?.OutputTokenCount);
        }
    }

    private void Record(string model, long started, string? error)
    {
        var tags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.provider.name", provider },
            { "gen_ai.request.model", model },
        };
        if (error is not null)
        {
            tags.Add("error.type", error);
            telemetry.RouteErrors.Add(1, new KeyValuePair<string, object?>("route", route));
        }

        telemetry.OperationDuration.Record(timeProvider.GetElapsedTime(started).TotalSeconds, tags);
    }
}
