using AiStack.Benchmarks.KnowledgeBase;

// Benchmarks are commands, not timed tests: each prints a Markdown table for the README.
var command = args.Length > 0 ? args[0] : "";
switch (command)
{
    case "kb":
        return await KnowledgeBaseBenchmark.RunAsync(args[1..]);
    default:
        Console.Error.WriteLine("""
            Usage: dotnet run -c Release --project AiStack.Tests/AiStack.Benchmarks -- <benchmark> [options]

              kb [--chunks 10000,100000] [--queries 300] [--concurrency 4]
                 KnowledgeBase over HTTP (in-process host on a loopback port, SQLite + embedded vector index):
                 ingestion rate, start-up with a full index, /context latency p50/p95/p99 and throughput, cache cold and warm.
            """);
        return 2;
}
