using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using AiStack.Contracts.Telemetry;
using AiStack.Learning;
using AiStack.Learning.Ingest;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static AiStack.Benchmarks.BenchmarkSupport;

namespace AiStack.Benchmarks.Learning;

/// <summary>
/// The Learning service over real HTTP on a loopback port, on SQLite (embedded) and PostgreSQL (full): ingest throughput over
/// HTTP batches and from a JSONL file, and processing throughput (half learnable completed tasks, half iterations).
/// </summary>
internal static class LearningBenchmark
{
    // A fresh key per run: the benchmark hosts its own service and no key ever needs to be known in advance.
    private static readonly string ApiKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public static async Task<int> RunAsync(string[] args)
    {
        var events = int.Parse(Option(args, "--events", "20000"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Option(args, "--concurrency", "4"), CultureInfo.InvariantCulture);
        var batch = int.Parse(Option(args, "--batch", "500"), CultureInfo.InvariantCulture);
        Console.WriteLine($"Learning benchmark: {Environment.ProcessorCount} cores, {events} events per phase, HTTP batches of {batch} from {concurrency} senders.");
        var rows = new List<string>();
        var folder = Path.Combine(Path.GetTempPath(), "aistack-bench", "learning-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            rows.Add(await RunOneAsync("embedded (SQLite)", folder, null, events, batch, concurrency));
            var postgres = Option(args, "--postgres", "");
            LocalPostgres? server = null;
            if (postgres.Length == 0 && LocalPostgres.FindBinDirectory() is not null)
            {
                server = new LocalPostgres(Path.Combine(folder, "postgres"), LocalServerProcess.FreeTcpPort());
                await server.StartAsync();
                postgres = server.ConnectionString();
            }

            if (postgres.Length > 0)
            {
                await using (server)
                {
                    rows.Add(await RunOneAsync("full (PostgreSQL)", folder, await CreateDatabaseAsync(postgres), events, batch, concurrency));
                }
            }
            else
            {
                Console.WriteLine("PostgreSQL binaries not found: only the embedded profile was measured. " + LocalPostgres.MissingMessage);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        Console.WriteLine();
        Console.WriteLine("| store | HTTP ingest (events/s) | JSONL ingest (events/s) | processing (events/s) | patterns |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static async Task<string> RunOneAsync(string name, string folder, string? postgres, int count, int batchSize, int concurrency)
    {
        var port = LocalServerProcess.FreeTcpPort();
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_AISTACK_LEARNING", AppContext.BaseDirectory);
        var sqlite = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".db");
        await using var factory = new BenchmarkFactory(sqlite, postgres, Path.Combine(folder, "dataset.jsonl"));
        factory.UseKestrel(port);
        factory.StartServer();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"),
            Timeout = TimeSpan.FromMinutes(5),
        };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);

        // HTTP: batches from several senders at once.
        var batches = new System.Collections.Concurrent.ConcurrentQueue<TelemetryEvent[]>(
            Enumerable.Range(0, count).Select(i => MakeEvent("http", i)).Chunk(batchSize));
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (batches.TryDequeue(out var chunk))
            {
                using var response = await client.PostAsJsonAsync(new Uri("/events", UriKind.Relative), new TelemetryBatch(chunk), TelemetryEvent.Json);
                response.EnsureSuccessStatusCode();
            }
        }));
        var http = count / stopwatch.Elapsed.TotalSeconds;

        // JSONL: one file in the original's line format, read by the tailer.
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + "-events.jsonl");
        var lines = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            lines.Append(CultureInfo.InvariantCulture, $$"""{"event":"iteration_completed","task_id":"jsonl-{{i}}","iteration":1,"exit_code":0,"backend":"aider","timestamp":"2026-11-21T10:00:00Z"}""").Append('\n');
        }

        await File.WriteAllTextAsync(path, lines.ToString());
        var tailer = factory.Services.GetRequiredService<JsonlTailer>();
        stopwatch.Restart();
        var read = await tailer.PollAsync(path, CancellationToken.None);
        var jsonl = read / stopwatch.Elapsed.TotalSeconds;
        if (read != count)
        {
            throw new InvalidOperationException($"The tailer stored {read} of {count} lines.");
        }

        // Processing: everything ingested above (2 x count events).
        stopwatch.Restart();
        using var process = await client.PostAsync(new Uri("/learning/process", UriKind.Relative), null);
        process.EnsureSuccessStatusCode();
        var result = (await process.Content.ReadFromJsonAsync<JsonObject>())!;
        var processed = result["events"]!.GetValue<long>();
        var processing = processed / stopwatch.Elapsed.TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {http:N0} | {jsonl:N0} | {processing:N0} ({processed:N0} events) | {result["patterns"]!.GetValue<int>():N0} |");
    }

    // The payloads as Ralph writes them (the Contracts records), so the pipeline learns from them as from real events.
    private static TelemetryEvent MakeEvent(string prefix, int n)
    {
        var task = $"{prefix}-task-{n}";
        object payload = n % 2 == 0
            ? new TaskCompletedPayload(task, "completed", "promise", 1 + (n % 5), "adaptive", 5, 12.5, new TaskCompletedSummary(
                $"Implement step {n} of the data import pipeline with validation", $"Step {n} implemented: parser, validator and tests added.",
                "llm", "feature", "moderate", 5, 0, 1_200, null))
            : new IterationCompletedPayload(task, 1, "llm", 0, 850, ["src/import.cs"], 300, "ok");
        var type = n % 2 == 0 ? TelemetryEventTypes.TaskCompleted : TelemetryEventTypes.IterationCompleted;
        return new TelemetryEvent($"{prefix}-{n}", DateTimeOffset.UtcNow, "ralph", type, null, task,
            JsonSerializer.SerializeToNode(payload, payload.GetType(), TelemetryEvent.Json)!.AsObject());
    }

    private static async Task<string> CreateDatabaseAsync(string adminConnectionString)
    {
        var name = "learning_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(adminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }


    private sealed class BenchmarkFactory(string sqlitePath, string? postgres, string datasetPath) : WebApplicationFactory<LearningEntryPoint>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("Security:ApiKey", ApiKey);
            builder.UseSetting("RateLimiting:Enabled", "false");
            builder.UseSetting("Storage:SqlitePath", sqlitePath);
            builder.UseSetting("ConnectionStrings:postgres", postgres ?? "");
            builder.UseSetting("Learning:DatasetPath", datasetPath);
            builder.UseSetting("Learning:ProcessingInterval", "1.00:00:00");
            builder.UseSetting("Learning:BatchSize", "500");
            builder.UseSetting("Learning:BackpressureEvents", "10000000");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }
}
