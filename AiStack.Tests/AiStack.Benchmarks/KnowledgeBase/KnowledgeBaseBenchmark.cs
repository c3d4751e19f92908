using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AiStack.AppHost.Infrastructure;
using AiStack.KnowledgeBase;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using static AiStack.Benchmarks.BenchmarkSupport;

namespace AiStack.Benchmarks.KnowledgeBase;

/// <summary>
/// The KnowledgeBase over real HTTP on a loopback port, embedded profile (SQLite file, in-memory vector index, in-process cache):
/// ingestion rate, start-up time with a full index, and /context latency and throughput with the cache cold and warm.
/// </summary>
internal static class KnowledgeBaseBenchmark
{
    // A fresh key per run: the benchmark hosts its own service and no key ever needs to be known in advance.
    private static readonly string ApiKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    private const int ParagraphsPerDocument = 20;
    private static readonly string[] Collections = ["codebase-context", "skills-patterns", "error-solutions", "best-practices"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> RunAsync(string[] args)
    {
        var sizes = IntList(args, "--chunks", "10000,100000");
        var queries = int.Parse(Option(args, "--queries", "300"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Option(args, "--concurrency", "4"), CultureInfo.InvariantCulture);
        var distinct = int.Parse(Option(args, "--distinct-paragraphs", "0"), CultureInfo.InvariantCulture);
        if (distinct > 0)
        {
            // MiniLM costs about 2 GFLOP per 450-character chunk: 100k distinct chunks take hours on 2 cores. With a pool, the
            // corpus reuses that many distinct paragraphs; each is embedded once (Microsoft.Extensions.AI's caching generator),
            // and every chunk still has its MiniLM vector in the index and its text in the keyword index.
            Console.WriteLine($"Corpus: {distinct:N0} distinct paragraphs, each embedded once; queries are embedded afresh.");
        }

        DistinctParagraphs = distinct;

        Console.WriteLine($"KnowledgeBase benchmark: {Environment.ProcessorCount} cores, {queries} queries per phase, concurrency {concurrency} for throughput.");
        var rows = new List<string>();
        foreach (var size in sizes)
        {
            rows.Add(await RunOneAsync(size, queries, concurrency));
        }

        Console.WriteLine();
        Console.WriteLine("Embedded vector index alone (exact top-10, 384 dimensions, no HTTP or SQL):");
        Console.WriteLine();
        Console.WriteLine("| vectors | p50 (ms) | p95 (ms) |");
        Console.WriteLine("|---:|---:|---:|");
        foreach (var size in sizes)
        {
            Console.WriteLine(await VectorIndexBenchmark.RunAsync(size));
        }

        Console.WriteLine();
        Console.WriteLine("/context over HTTP (hybrid retrieval over 6 collections, limit 10):");
        Console.WriteLine();
        Console.WriteLine("| chunks | ingest (chunks/s) | start-up with index | cold p50 / p95 / p99 (ms) | cold req/s | warm p50 / p95 / p99 (ms) | warm req/s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static int DistinctParagraphs { get; set; }

    private static async Task<string> RunOneAsync(int targetChunks, int queryCount, int concurrency)
    {
        var folder = Path.Combine(Path.GetTempPath(), "aistack-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var sqlitePath = Path.Combine(folder, "knowledgebase.db");
        try
        {
            // Ingestion.
            var corpus = new SyntheticCorpus(seed: targetChunks);
            double ingestRate;
            int ingested;
            await using (var host = await StartAsync(sqlitePath))
            {
                Console.WriteLine($"[{targetChunks}] ingesting ...");
                (ingested, ingestRate) = await IngestAsync(host.Client, corpus, targetChunks, concurrency);
                Console.WriteLine($"[{targetChunks}] {ingested} chunks at {ingestRate:0} chunks/s");
            }

            // Start-up on the same file: schema check plus loading every vector into memory.
            var startup = Stopwatch.StartNew();
            await using var restarted = await StartAsync(sqlitePath);
            (await restarted.Client.GetAsync(new Uri("/health/ready", UriKind.Relative))).EnsureSuccessStatusCode();
            var startupSeconds = startup.Elapsed.TotalSeconds;
            Console.WriteLine($"[{targetChunks}] restarted with a full index in {startupSeconds:0.00} s");

            var queryCorpus = new SyntheticCorpus(seed: 7);
            var warmup = Enumerable.Range(0, 30).Select(_ => queryCorpus.Query()).ToList();
            var latencySet = Enumerable.Range(0, queryCount).Select(_ => queryCorpus.Query()).Distinct().ToList();
            var throughputSet = Enumerable.Range(0, queryCount).Select(_ => queryCorpus.Query()).Except(latencySet).Distinct().ToList();
            foreach (var q in warmup)
            {
                await ContextAsync(restarted.Client, q);
            }

            var cold = await LatenciesAsync(restarted.Client, latencySet);
            var coldRate = await ThroughputAsync(restarted.Client, throughputSet, concurrency);
            var warm = await LatenciesAsync(restarted.Client, latencySet);
            var warmRate = await ThroughputAsync(restarted.Client, throughputSet, concurrency);
            Console.WriteLine($"[{targetChunks}] cold p50 {Percentile(cold, 50):0.00} ms, warm p50 {Percentile(warm, 50):0.00} ms");

            return string.Create(CultureInfo.InvariantCulture,
                $"| {ingested:N0} | {ingestRate:N0} | {startupSeconds:0.0} s | {Percentile(cold, 50):0.0} / {Percentile(cold, 95):0.0} / {Percentile(cold, 99):0.0} | {coldRate:N0} " +
                $"| {Percentile(warm, 50):0.00} / {Percentile(warm, 95):0.00} / {Percentile(warm, 99):0.00} | {warmRate:N0} |");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(int Chunks, double PerSecond)> IngestAsync(HttpClient client, SyntheticCorpus corpus, int targetChunks, int concurrency)
    {
        var documents = (targetChunks + ParagraphsPerDocument - 1) / ParagraphsPerDocument;
        var pool = DistinctParagraphs > 0 ? Enumerable.Range(0, DistinctParagraphs).Select(_ => corpus.Paragraph(450)).ToArray() : null;
        var pick = new Random(targetChunks);
        // Text is generated up front so the measurement is the service's work, not the generator's.
        var bodies = Enumerable.Range(0, documents).Select(i => new
        {
            project = "project-" + (i % 10).ToString(CultureInfo.InvariantCulture),
            collection = Collections[i % Collections.Length],
            title = "Document " + i.ToString(CultureInfo.InvariantCulture),
            source = $"bench/{i}.md",
            content = string.Join("\n\n", Enumerable.Range(0, ParagraphsPerDocument).Select(_ => pool is null ? corpus.Paragraph(450) : pool[pick.Next(pool.Length)])),
        }).ToList();
        var chunks = 0;
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                using var response = await client.PostAsJsonAsync(new Uri("/documents", UriKind.Relative), bodies[i], Json);
                response.EnsureSuccessStatusCode();
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Interlocked.Add(ref chunks, body.RootElement.GetProperty("chunk_count").GetInt32());
            }
        }));
        return (chunks, chunks / watch.Elapsed.TotalSeconds);
    }

    private static async Task<List<double>> LatenciesAsync(HttpClient client, IReadOnlyList<string> queries)
    {
        var latencies = new List<double>(queries.Count);
        foreach (var q in queries)
        {
            var watch = Stopwatch.StartNew();
            await ContextAsync(client, q);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        return latencies;
    }

    private static async Task<double> ThroughputAsync(HttpClient client, IReadOnlyList<string> queries, int concurrency)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < queries.Count)
            {
                await ContextAsync(client, queries[i]);
            }
        }));
        return queries.Count / watch.Elapsed.TotalSeconds;
    }

    private static async Task ContextAsync(HttpClient client, string query)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/context", UriKind.Relative), new { query, limit = 10 }, Json);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }



    private static async Task<Host> StartAsync(string sqlitePath)
    {
        var port = LocalServerProcess.FreeTcpPort();
        // WebApplicationFactory looks for the service's source folder as content root; the benchmark may run from anywhere.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_AISTACK_KNOWLEDGEBASE", AppContext.BaseDirectory);
        var factory = new BenchmarkFactory(sqlitePath);
        factory.UseKestrel(port);
        factory.StartServer();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"),
            Timeout = TimeSpan.FromMinutes(2),
        };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        await Task.CompletedTask;
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

    private sealed class BenchmarkFactory(string sqlitePath) : WebApplicationFactory<KnowledgeBaseEntryPoint>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("Security:ApiKey", ApiKey);
            // A benchmark is a deliberate burst: the 60/minute limit for clients would measure only the limiter.
            builder.UseSetting("RateLimiting:Enabled", "false");
            builder.UseSetting("Storage:SqlitePath", sqlitePath);
            builder.UseSetting("ConnectionStrings:postgres", "");
            builder.UseSetting("ConnectionStrings:redis", "");
            builder.UseSetting("ConnectionStrings:qdrant", "");
            builder.UseSetting("Chunking:Size", "600");
            builder.UseSetting("Chunking:Overlap", "0");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            if (DistinctParagraphs > 0)
            {
                builder.ConfigureTestServices(services => services.AddSingleton(sp =>
                {
                    var provider = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AiStack.KnowledgeBase.Embeddings.EmbeddingOptions>>().Value.Provider;
                    var embedder = sp.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(provider);
                    return new EmbeddingGeneratorBuilder<string, Embedding<float>>(embedder)
                        .UseDistributedCache(new MemoryDistributedCache(Microsoft.Extensions.Options.Options.Create(new MemoryDistributedCacheOptions())))
                        .Build(sp);
                }));
            }
        }
    }
}
