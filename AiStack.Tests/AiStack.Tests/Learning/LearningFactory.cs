using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;
using AiStack.Learning;
using AiStack.Learning.Processing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Learning;

/// <summary>
/// The Learning service in-process on a test server: a SQLite file (or a PostgreSQL database) and a dataset path in a folder of
/// its own, the scheduled pipeline effectively off (tests run it with POST /learning/process), and an API key.
/// </summary>
public sealed class LearningFactory : WebApplicationFactory<LearningEntryPoint>
{
    public const string ApiKey = "learning-test-api-key";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public LearningFactory(string? postgres = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Folder = Infrastructure.TestDirectories.Create("learning");
        _services = services;
        _settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Security:ApiKey"] = ApiKey,
            ["Storage:SqlitePath"] = Path.Combine(Folder, "learning.db"),
            ["ConnectionStrings:postgres"] = postgres ?? "",
            ["Learning:DatasetPath"] = Path.Combine(Folder, "finetuning.jsonl"),
            ["Learning:ProcessingInterval"] = "1.00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
            ["RateLimiting:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string Folder { get; }

    public string DatasetPath => _settings["Learning:DatasetPath"]!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Infrastructure.TestDirectories.Delete(Folder);
        GC.SuppressFinalize(this);
    }
}

public static class LearningApi
{
    public static async Task<TelemetryBatchResult> SendAsync(this HttpClient client, params TelemetryEvent[] events)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/events", UriKind.Relative), new TelemetryBatch(events), TelemetryEvent.Json);
        return await response.ReadAsync<TelemetryBatchResult>();
    }

    public static async Task<AiStack.Contracts.Learning.ProcessResponse> ProcessAsync(this HttpClient client)
    {
        using var response = await client.PostAsync(new Uri("/learning/process", UriKind.Relative), null);
        return await response.ReadAsync<AiStack.Contracts.Learning.ProcessResponse>();
    }

    public static async Task<JsonObject> StatsAsync(this HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/learning/stats", UriKind.Relative));
        return (await response.ReadAsync<JsonObject>())!;
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, LearningFactory.Json)!;
    }
}

/// <summary>Events as Ralph and the Coordinator send them.</summary>
public static class Events
{
    private static long _counter;

    public static TelemetryEvent Make(string type, JsonObject payload, string? taskId = null, DateTimeOffset? time = null, string source = "ralph") =>
        new($"evt-{Guid.NewGuid():N}-{Interlocked.Increment(ref _counter)}", time ?? DateTimeOffset.UtcNow, source, type, null, taskId, payload);

    public static TelemetryEvent TaskCompleted(string taskId, string prompt, string output, int iterations = 2, string status = "completed", string backend = "llm",
        int? maxIterations = null, string? complexity = null, DateTimeOffset? time = null) =>
        Make(TelemetryEventTypes.TaskCompleted, Payload(new TaskCompletedPayload(taskId, status, null, iterations, null, null, null,
            new TaskCompletedSummary(prompt, output, backend, null, complexity, maxIterations, null, null, null))), taskId, time);

    /// <summary>A typed payload as its producer's outbox writes it.</summary>
    public static JsonObject Payload(object payload) => JsonSerializer.SerializeToNode(payload, payload.GetType(), TelemetryEvent.Json)!.AsObject();

    public static TelemetryEvent Iteration(string taskId, int iteration, int exitCode, string? output = null, string? error = null, string backend = "command") =>
        Make(TelemetryEventTypes.IterationCompleted, new JsonObject
        {
            ["iteration"] = iteration, ["exit_code"] = exitCode, ["output"] = output, ["error"] = error, ["backend"] = backend,
        }, taskId);

    public static TelemetryEvent QueryAnswered(string interactionId, string query, string response, string route = "local", string kind = "general",
        string? variant = null, string[]? tags = null) =>
        Make(TelemetryEventTypes.QueryAnswered, new JsonObject
        {
            ["interaction_id"] = interactionId, ["query"] = query, ["response"] = response, ["route"] = route, ["query_kind"] = kind,
            ["variant"] = variant, ["tags"] = tags is null ? null : new JsonArray(tags.Select(t => (JsonNode)t).ToArray()),
        }, source: "coordinator");

    public static TelemetryEvent Feedback(string interactionId, int? feedback = null, double? rating = null, string? outcome = null) =>
        Make(TelemetryEventTypes.Feedback, new JsonObject
        {
            ["interaction_id"] = interactionId, ["feedback"] = feedback, ["rating"] = rating, ["outcome"] = outcome,
        }, source: "coordinator");
}
