using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Ralph;
using AiStack.ServiceDefaults.Telemetry.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.Ralph;

/// <summary>
/// Ralph in-process with a SQLite file (or a PostgreSQL database), a workspace root and scripts as command backends, tuned for
/// quick tests: short polls and leases, no KnowledgeBase context, siblings pointed at a closed port.
/// </summary>
public sealed class RalphFactory : WebApplicationFactory<RalphEntryPoint>
{
    public const string ApiKey = "ralph-test-api-key";

    /// <summary>The environment for the tools a test itself runs through <see cref="AiStack.Ralph.Backends.ProcessRunner"/> (git to prepare a repository).</summary>
    public static readonly IReadOnlyDictionary<string, string> ToolEnvironment = new Dictionary<string, string>
    {
        ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        ["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? "/tmp",
    };

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsFolder;

    private readonly bool _recordTelemetry;

    /// <param name="recordTelemetry">Keep events in <see cref="Events"/> instead of the real outbox (the default for unit-style tests).</param>
    public RalphFactory(string? folder = null, string? postgres = null, IReadOnlyDictionary<string, string?>? settings = null, bool recordTelemetry = true)
    {
        _recordTelemetry = recordTelemetry;
        _ownsFolder = folder is null;
        Folder = folder ?? Infrastructure.TestDirectories.Create("ralph");
        WorkspaceRoot = Path.Combine(Folder, "workspaces");
        Directory.CreateDirectory(WorkspaceRoot);
        _settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Security:ApiKey"] = ApiKey,
            ["AISTACK_HOME"] = Folder,
            ["Storage:SqlitePath"] = Path.Combine(Folder, "ralph.db"),
            ["ConnectionStrings:postgres"] = postgres ?? "",
            ["services:knowledgebase:http:0"] = "http://127.0.0.1:9",
            ["services:coordinator:http:0"] = "http://127.0.0.1:9",
            ["Startup:DependencyWaitSeconds"] = "5",
            ["Logging:LogLevel:Default"] = "Warning",
            ["RateLimiting:Enabled"] = "false",
            ["Ralph:WorkspaceRoot"] = WorkspaceRoot,
            ["Ralph:PollMilliseconds"] = "20",
            ["Ralph:ApprovalPollMilliseconds"] = "20",
            ["Ralph:LeaseSeconds"] = "2",
            ["Ralph:Concurrency"] = "4",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string Folder { get; }

    public string WorkspaceRoot { get; }

    public RecordingTelemetryEvents Events { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_recordTelemetry)
        {
            builder.ConfigureTestServices(services => services.AddSingleton<ITelemetryEvents>(Events));
        }
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsFolder)
        {
            Infrastructure.TestDirectories.Delete(Folder);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Settings that declare a command backend running <paramref name="script"/>.</summary>
    public static Dictionary<string, string?> CommandBackend(string name, string script, double timeoutSeconds = 30, string promptMode = "stdin", params string[] arguments)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Ralph:Backends:{name}:Type"] = "command",
            [$"Ralph:Backends:{name}:Executable"] = script,
            [$"Ralph:Backends:{name}:PromptMode"] = promptMode,
            [$"Ralph:Backends:{name}:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < arguments.Length; i++)
        {
            settings[$"Ralph:Backends:{name}:Arguments:{i}"] = arguments[i];
        }

        return settings;
    }

    /// <summary>Writes an executable /bin/sh script (a test's stand-in for an agent CLI) and returns its path.</summary>
    public static string WriteScript(string folder, string name, string body)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}

/// <summary>Keeps every published event, for assertions.</summary>
public sealed class RecordingTelemetryEvents : ITelemetryEvents
{
    private readonly ConcurrentQueue<(string Type, JsonObject Payload, string? TaskId, string? TraceId)> _events = new();

    // The real outbox stamps the current trace id the same way.
    public void Publish(string type, object payload, string? taskId = null) =>
        _events.Enqueue((type, (JsonObject)JsonSerializer.SerializeToNode(payload, RalphFactory.Json)!, taskId, System.Diagnostics.Activity.Current?.TraceId.ToHexString()));

    public IReadOnlyList<(string Type, JsonObject Payload, string? TaskId, string? TraceId)> Of(string type, string? taskId = null) =>
        _events.Where(e => e.Type == type && (taskId is null || e.TaskId == taskId)).ToList();

    /// <summary>The one event of <paramref name="type"/> for the task, waiting for it: a task's final state is stored before its event is published.</summary>
    public async Task<(string Type, JsonObject Payload, string? TaskId, string? TraceId)> SingleAsync(string type, string taskId, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (Of(type, taskId).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return Assert.Single(Of(type, taskId));
    }
}

public static class RalphClientExtensions
{
    public static async Task<JsonObject> SubmitAsync(this HttpClient client, object task)
    {
        var response = await client.PostAsJsonAsync(new Uri("/tasks", UriKind.Relative), task, RalphFactory.Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 202, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<JsonObject> GetJsonAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Polls the task until <paramref name="until"/> holds (default: a final state) or the time runs out.</summary>
    public static async Task<JsonObject> WaitForAsync(this HttpClient client, string taskId, Func<JsonObject, bool>? until = null, double seconds = 20)
    {
        until ??= t => t["status"]!.GetValue<string>() is "completed" or "failed" or "stopped" or "rejected" or "error";
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JsonObject task;
        do
        {
            task = await client.GetJsonAsync($"/tasks/{taskId}");
            if (until(task))
            {
                return task;
            }

            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"Task {taskId} did not reach the expected state in {seconds} s; last seen: {task.ToJsonString()}");
        return task;
    }

    public static async Task<JsonArray> IterationsAsync(this HttpClient client, string taskId) =>
        (await client.GetJsonAsync($"/tasks/{taskId}/result?limit=500"))["results"]!.AsArray();

    public static string Id(this JsonObject submitted) => submitted["task_id"]!.GetValue<string>();

    public static string Status(this JsonObject task) => task["status"]!.GetValue<string>();
}

/// <summary>The folders a test makes beside its factory's (scripts, markers, "outside" targets), deleted when the test ends.</summary>
public sealed class TestFolders : IDisposable
{
    private readonly List<string> _created = [];

    public string Create(string purpose)
    {
        var path = Infrastructure.TestDirectories.Create(purpose);
        _created.Add(path);
        return path;
    }

    public void Dispose()
    {
        foreach (var path in _created)
        {
            Infrastructure.TestDirectories.Delete(path);
        }
    }
}
