using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.AppHost.Infrastructure;
using AiStack.Ralph;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using static AiStack.Benchmarks.BenchmarkSupport;

namespace AiStack.Benchmarks.Ralph;

/// <summary>
/// Ralph's own cost: loop overhead per iteration with an instant script backend (everything but the backend's run), and
/// throughput of one-iteration tasks, embedded (SQLite, one replica) and, with --postgres, PostgreSQL with two replicas.
/// </summary>
public static class RalphBenchmark
{
    // A fresh key per run: the benchmark hosts its own service and no key ever needs to be known in advance.
    private static readonly string ApiKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> RunAsync(string[] args)
    {
        var tasks = int.Parse(Option(args, "--tasks", "1000"), CultureInfo.InvariantCulture);
        var iterations = int.Parse(Option(args, "--iterations", "200"), CultureInfo.InvariantCulture);
        var concurrency = Option(args, "--concurrency", "4");
        var folder = Path.Combine(Path.GetTempPath(), "aistack-ralph-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            var instant = Script(folder, "instant.sh", "exit 0");
            var blocked = Script(folder, "blocked.sh", "exit 2");
            Console.WriteLine($"| measurement | profile | value |\n|---|---|---|");

            await using (var host = Start(folder, "embedded", null, "bench-a", concurrency, instant, blocked))
            {
                var overhead = await LoopOverheadAsync(host.Client, iterations);
                Console.WriteLine($"| loop overhead per iteration ({iterations} iterations, exit 2 backend; backend time excluded) | embedded (SQLite) | {overhead.Overhead:F2} ms (backend {overhead.Backend:F2} ms) |");
                var rate = await ThroughputAsync([host.Client], tasks);
                Console.WriteLine($"| {tasks} one-iteration tasks, concurrency {concurrency} | embedded (SQLite, 1 replica) | {rate:F1} tasks/s |");
            }

            if (args.Contains("--postgres"))
            {
                await using var postgres = new LocalPostgres(Path.Combine(folder, "pg"), LocalServerProcess.FreeTcpPort());
                await postgres.StartAsync();
                await postgres.EnsureServiceDatabaseAsync("ralph_bench");
                var connection = postgres.ServiceConnectionString("ralph_bench");
                await using var first = Start(folder, "pg-a", connection, "bench-a", concurrency, instant, blocked);
                await using var second = Start(folder, "pg-b", connection, "bench-b", concurrency, instant, blocked);
                var overhead = await LoopOverheadAsync(first.Client, iterations);
                Console.WriteLine($"| loop overhead per iteration ({iterations} iterations) | full (PostgreSQL) | {overhead.Overhead:F2} ms (backend {overhead.Backend:F2} ms) |");
                var rate = await ThroughputAsync([first.Client, second.Client], tasks);
                Console.WriteLine($"| {tasks} one-iteration tasks, concurrency {concurrency} per replica | full (PostgreSQL, 2 replicas) | {rate:F1} tasks/s |");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        return 0;
    }

    private static async Task<(double Overhead, double Backend)> LoopOverheadAsync(HttpClient client, int iterations)
    {
        var id = await SubmitAsync(client, "blocked", iterations);
        var task = await WaitAsync(client, id);
        var wall = (task["finished_at"]!.GetValue<DateTimeOffset>() - task["started_at"]!.GetValue<DateTimeOffset>()).TotalMilliseconds;
        var backend = 0.0;
        for (var offset = 0; offset < iterations; offset += 500)
        {
            var page = await client.GetFromJsonAsync<JsonObject>($"/tasks/{id}/result?offset={offset}&limit=500", Json);
            backend += page!["results"]!.AsArray().Sum(i => i!["duration_ms"]!.GetValue<double>());
        }

        return ((wall - backend) / iterations, backend / iterations);
    }

    private static async Task<double> ThroughputAsync(HttpClient[] clients, int count)
    {
        var stopwatch = Stopwatch.StartNew();
        var ids = new string[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            ids[i] = await SubmitAsync(clients[i % clients.Length], "instant", 1));
        foreach (var id in ids)
        {
            var task = await WaitAsync(clients[0], id);
            if (task["status"]!.GetValue<string>() != "completed")
            {
                throw new InvalidOperationException($"task {id} ended {task["status"]}");
            }
        }

        return count / stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task<string> SubmitAsync(HttpClient client, string backend, int maxIterations)
    {
        using var response = await client.PostAsJsonAsync("/tasks", new { prompt = "benchmark task", backend, max_iterations = maxIterations }, Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Json))!["task_id"]!.GetValue<string>();
    }

    private static async Task<JsonObject> WaitAsync(HttpClient client, string id)
    {
        while (true)
        {
            var task = (await client.GetFromJsonAsync<JsonObject>($"/tasks/{id}", Json))!;
            if (task["status"]!.GetValue<string>() is "completed" or "failed" or "stopped" or "rejected" or "error")
            {
                return task;
            }

            await Task.Delay(20);
        }
    }

    private static string Script(string folder, string name, string body)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static Host Start(string folder, string name, string? postgres, string replica, string concurrency, string instant, string blocked)
    {
        var port = LocalServerProcess.FreeTcpPort();
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_AISTACK_RALPH", AppContext.BaseDirectory);
        var home = Path.Combine(folder, name);
        var factory = new BenchmarkFactory(new Dictionary<string, string>
        {
            ["Security:ApiKey"] = ApiKey,
            ["AISTACK_HOME"] = home,
            ["Storage:SqlitePath"] = Path.Combine(home, "ralph.db"),
            ["ConnectionStrings:postgres"] = postgres ?? "",
            ["services:knowledgebase:http:0"] = "http://127.0.0.1:9",
            ["services:coordinator:http:0"] = "http://127.0.0.1:9",
            ["RateLimiting:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Ralph:WorkspaceRoot"] = Path.Combine(folder, "workspaces"),
            ["Ralph:ReplicaId"] = replica,
            ["Ralph:Concurrency"] = concurrency,
            ["Ralph:PollMilliseconds"] = "20",
            ["Ralph:Defaults:HardMaxIterations"] = "100000",
            ["Ralph:Backends:instant:Type"] = "command",
            ["Ralph:Backends:instant:Executable"] = instant,
            ["Ralph:Backends:blocked:Type"] = "command",
            ["Ralph:Backends:blocked:Executable"] = blocked,
        });
        factory.UseKestrel(port);
        factory.StartServer();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return new Host(factory, client);
    }


    private sealed class Host(BenchmarkFactory factory, HttpClient client) : IAsyncDisposable
    {
        public HttpClient Client => client;

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await factory.DisposeAsync();
        }
    }

    private sealed class BenchmarkFactory(Dictionary<string, string> settings) : WebApplicationFactory<RalphEntryPoint>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
