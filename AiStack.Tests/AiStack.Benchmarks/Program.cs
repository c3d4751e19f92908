using AiStack.Benchmarks.AppHost;
using AiStack.Benchmarks.Coordinator;
using AiStack.Benchmarks.KnowledgeBase;
using AiStack.Benchmarks.Learning;
using AiStack.Benchmarks.Llama;
using AiStack.Benchmarks.Ralph;
using AiStack.Llama.Gguf;
using static AiStack.Benchmarks.BenchmarkSupport;

// Benchmarks are commands, not timed tests: each prints a Markdown table for the README.
return args switch
{
    ["kb", .. var rest] => await KnowledgeBaseBenchmark.RunAsync(rest),
    ["hnsw", .. var rest] => await HnswBenchmark.RunAsync(rest),
    ["llama", .. var rest] => await LlamaBenchmark.RunAsync(rest),
    ["ralph", .. var rest] => await RalphBenchmark.RunAsync(rest),
    ["learning", .. var rest] => await LearningBenchmark.RunAsync(rest),
    ["router", .. var rest] => await RouterBenchmark.RunAsync(rest),
    ["stack", .. var rest] => await StackStartBenchmark.RunAsync(rest),
    ["model", "tiny", var path, .. var rest] => WriteTinyModel(path, rest),
    ["model", "info", var path, .. var rest] => await ModelInfo.RunAsync(path, rest),
    _ => Usage(),
};

static int WriteTinyModel(string path, string[] options)
{
    var spec = TinyModelSpec.FromName(Option(options, "--size") ?? "tiny");
    if (Option(options, "--seed") is { } seed)
    {
        spec = spec with { Seed = int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture) };
    }

    var info = TinyModelWriter.Write(path, spec);
    Console.WriteLine($"Wrote {info.Path}: {info.ParameterCount:N0} parameters, {info.VocabularySize} tokens, {info.FileBytes / 1048576.0:F1} MiB in {info.Elapsed.TotalMilliseconds:F0} ms");
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        Usage: dotnet run -c Release --project AiStack.Tests/AiStack.Benchmarks -- <command> [options]

          kb [--chunks 10000,100000] [--queries 300] [--concurrency 4] [--distinct-paragraphs N]
             KnowledgeBase over HTTP (in-process host on a loopback port, SQLite + embedded vector index):
             ingestion rate, start-up with a full index, /context latency p50/p95/p99 and throughput, cache cold and warm.
             --distinct-paragraphs N builds the corpus from N distinct paragraphs, each embedded once (MiniLM at 100k
             distinct chunks takes hours on 2 cores); queries are always embedded afresh.
          hnsw [--vectors 100000,1000000] [--queries 200] [--ef 128]
             the embedded index's HNSW graph (USearch) against the exact scan on clustered 384-d vectors: build time,
             search p50/p95/p99 and recall@10.
          learning [--events 20000] [--batch 500] [--concurrency 4] [--postgres CONNECTION]
             Learning over HTTP (in-process host on a loopback port), SQLite and PostgreSQL (started from the machine's binaries
             unless given): ingest events/s over HTTP batches and from a JSONL file, and processing events/s.
          stack [--profile embedded|full] [--runs 1] [--idle-seconds 15]
             the built Release AppHost (Aspire, dashboard on): launch to every resource healthy, then the idle memory of the
             whole stack (AppHost, DCP, dashboard, services, servers) as the sum of RSS and of PSS.
          router [--requests 20000]
             the Coordinator's routing pipeline (cache, routing, breaker, telemetry) with an instant backend: added latency and requests/s.
          llama [--threads N] [--prompt-tokens N] [--gen-tokens N] [--runs N]
             tokens/s of AiStack.Llama versus node-llama-cpp on the same generated model.
          ralph [--tasks 1000] [--iterations 200] [--concurrency 4] [--postgres]
             Ralph's loop overhead per iteration (instant script backend, backend time excluded) and one-iteration tasks/s,
             embedded (SQLite, 1 replica); with --postgres also a local PostgreSQL with 2 replicas.
          model tiny <path> [--size tiny|30m] [--seed N]
             write a generated llama-architecture GGUF with random weights.
          model info <path> [--prompt TEXT]
             load a GGUF, print its facts, the native ABI facts and a short greedy answer.
        """);
    return 2;
}
