using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using AiStack.AppHost.Infrastructure;
using AiStack.Coordinator;
using AiStack.Llama.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static AiStack.Benchmarks.BenchmarkSupport;

namespace AiStack.Benchmarks.Coordinator;

/// <summary>
/// What the Coordinator's model pipeline adds to a model call: the same requests to an instant backend directly; through the
/// router (Semantic Kernel's selector picking the backend, fallback client, breaker, Microsoft.Extensions.AI OpenTelemetry and
/// logging) with a sampling request, which no cache may answer; through the whole pipeline with temperature 0 (exact answer
/// cache miss, then hit); in-process, then requests/s over HTTP.
/// </summary>
public static class RouterBenchmark
{
    // A fresh key per run: the benchmark hosts its own service and no key ever needs to be known in advance.
    private static readonly string ApiKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>A backend that answers at once, so only the pipeline's own cost is measured.</summary>
    private sealed class InstantChatClient : IChatClient
    {
        private static readonly ChatClientMetadata Metadata = new("instant", null, "instant");

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 8, OutputTokenCount = 1, TotalTokenCount = 9 },
            });

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield return new ChatResponseUpdate(ChatRole.Assistant, "ok") { FinishReason = ChatFinishReason.Stop };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(ChatClientMetadata) ? Metadata : null;

        public void Dispose()
        {
        }
    }

    private sealed class Factory : WebApplicationFactory<CoordinatorEntryPoint>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            var home = Path.Combine(Path.GetTempPath(), "aistack-bench-router-" + Guid.NewGuid().ToString("N"));
            builder.UseEnvironment("Production");
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["Security:ApiKey"] = ApiKey,
                ["RateLimiting:Enabled"] = "false",
                ["services:knowledgebase:http:0"] = "http://127.0.0.1:9",
                ["Routing:BudgetStateFile"] = Path.Combine(home, "budget.json"),
                ["Telemetry:Outbox:SpoolDirectory"] = Path.Combine(home, "spool"),
                ["Routing:SettingsFile"] = Path.Combine(home, "settings.json"),
                ["Logging:LogLevel:Default"] = "Warning",
                // The semantic cache would embed through the KnowledgeBase, which this benchmark does not run.
                ["ResponseCache:SemanticEnabled"] = "false",
            })
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(services =>
                services.AddKeyedSingleton<IChatClient>(LlamaServiceCollectionExtensions.ServiceKey, new InstantChatClient()));
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = int.Parse(Option(args, "--requests", "20000"), CultureInfo.InvariantCulture);
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_AISTACK_COORDINATOR", AppContext.BaseDirectory);
        await using var factory = new Factory();
        var port = LocalServerProcess.FreeTcpPort();
        factory.UseKestrel(port);
        factory.StartServer();
        var pipeline = factory.Services.GetRequiredService<IChatClient>();
        var direct = new InstantChatClient();
        // Pinned to local with a known confidence: no KnowledgeBase round trip, the router's own work only.
        var hints = new AiStack.Coordinator.Routing.RouteHints(PreferLocal: true, Confidence: 0.9, ConfidenceKnown: true);
        var sampling = hints.ApplyTo(new ChatOptions { Temperature = 0.7f });
        var deterministic = hints.ApplyTo(new ChatOptions { Temperature = 0 });

        var directTimes = await MeasureAsync(requests, i => direct.GetResponseAsync([new ChatMessage(ChatRole.User, Prompt(i))], sampling));
        var routed = await MeasureAsync(requests, i => pipeline.GetResponseAsync([new ChatMessage(ChatRole.User, Prompt(i))], sampling));
        var pipelineMiss = await MeasureAsync(requests, i => pipeline.GetResponseAsync([new ChatMessage(ChatRole.User, Prompt(i))], deterministic));
        var pipelineHit = await MeasureAsync(requests, _ => pipeline.GetResponseAsync([new ChatMessage(ChatRole.User, Prompt(0))], deterministic));

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        var httpRequests = Math.Max(1000, requests / 4);
        var concurrency = 8;
        var stopwatch = Stopwatch.StartNew();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= httpRequests)
            {
                using var response = await http.PostAsJsonAsync("/v1/chat/completions",
                    new { model = "aistack-local", messages = new[] { new { role = "user", content = Prompt(i) } } });
                response.EnsureSuccessStatusCode();
            }
        }));
        var httpRate = httpRequests / stopwatch.Elapsed.TotalSeconds;

        Console.WriteLine($"Coordinator routing pipeline, instant backend, {requests:N0} requests each ({Environment.ProcessorCount} cores)");
        Console.WriteLine();
        Console.WriteLine("| path | p50 (µs) | p99 (µs) | requests/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        Row("backend called directly", directTimes);
        Row("through the Kernel router (temperature 0.7: no cache)", routed);
        Row("whole pipeline, temperature 0, exact cache miss", pipelineMiss);
        Row("whole pipeline, temperature 0, exact cache hit", pipelineHit);
        Console.WriteLine();
        Console.WriteLine($"Routing overhead (Kernel router vs direct): p50 {Percentile(routed, 50) - Percentile(directTimes, 50):F1} µs, p99 {Percentile(routed, 99) - Percentile(directTimes, 99):F1} µs (goal p99 <= 1000 µs).");
        Console.WriteLine($"Pipeline overhead on a cache miss: p50 {Percentile(pipelineMiss, 50) - Percentile(directTimes, 50):F1} µs, p99 {Percentile(pipelineMiss, 99) - Percentile(directTimes, 99):F1} µs.");
        Console.WriteLine($"POST /v1/chat/completions over HTTP (aistack-local, {concurrency} concurrent): {httpRate:N0} requests/s.");
        return 0;
    }

    private static string Prompt(int i) => $"Explain item {i} of the routing benchmark.";

    private static async Task<List<double>> MeasureAsync(int count, Func<int, Task<ChatResponse>> call)
    {
        for (var i = 0; i < Math.Min(count, 2000); i++)
        {
            await call(-i - 1); // warm-up
        }

        var times = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call(i);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        times.Sort();
        return times;
    }

    private static void Row(string name, List<double> sorted) =>
        Console.WriteLine($"| {name} | {Percentile(sorted, 50):F1} | {Percentile(sorted, 99):F1} | {sorted.Count / (sorted.Sum() / 1_000_000):N0} |");
}
