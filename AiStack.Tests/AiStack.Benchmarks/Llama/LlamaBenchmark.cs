using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AiStack.Llama.Generation;
using AiStack.Llama.Gguf;
using AiStack.Llama.Models;
using AiStack.Llama.AI;
using AiStack.Llama.Hosting;
using LLama.Native;
using Microsoft.Extensions.AI;

namespace AiStack.Benchmarks.Llama;

/// <summary>
/// `llama`: prompt-processing and generation tokens/s of AiStack.Llama (LLamaSharp 0.30.0, llama.cpp 815a2a5) versus
/// node-llama-cpp 3.22.1 (llama.cpp 0ad4a86), on the same generated ~34M-parameter model with the same prompt tokens,
/// threads, context and batch size: once at the context level (decode + greedy sampling, what node-llama-cpp's evaluate
/// does) and once through the stack's IChatClient (template, pool, detokenizing, stop filter, async streaming).
/// Rounds alternate between the two so that background load hits both alike; medians are reported.
/// </summary>
internal static class LlamaBenchmark
{
    private const string NodeLlamaCppVersion = "3.22.1";

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = BenchmarkSettings.Parse(args);
        var modelPath = settings.ModelPath ?? EnsureBenchmarkModel();
        Console.WriteLine($"model {modelPath}, threads {settings.Threads}, prompt {settings.PromptTokens} tokens, generate {settings.GenerateTokens} tokens, {settings.Rounds} rounds x {settings.RunsPerRound} runs");

        var options = new LlamaModelOptions
        {
            Path = modelPath,
            ContextSize = settings.ContextSize,
            BatchSize = settings.BatchSize,
            Threads = settings.Threads,
            ContextPoolSize = 1,
            FlashAttention = Environment.GetEnvironmentVariable("BENCH_FA") switch { "1" => true, "0" => false, _ => null },
        };
        using var model = LlamaModel.Load(options);
        var prompt = BuildPrompt(model, settings.PromptTokens);

        var node = await NodeRunner.PrepareAsync(NodeLlamaCppVersion);
        var ours = new List<RunResult>();
        var theirs = new List<RunResult>();
        var pipeline = new List<(double Prompt, double Generation)>();
        using (var generator = new LlamaTextGenerator(model))
        {
            var client = new LlamaChatClient(new LoadedGenerator(generator));
            RunContext(model, settings, prompt, 1); // warm-up, not counted
            await RunClientAsync(client, model, settings, prompt);
            for (var round = 0; round < settings.Rounds; round++)
            {
                ours.AddRange(RunContext(model, settings, prompt, settings.RunsPerRound));
                pipeline.AddRange(await RunClientAsync(client, model, settings, prompt));
                if (node.Ready)
                {
                    theirs.AddRange(await node.RunAsync(modelPath, settings, prompt));
                }
            }
        }

        Report(settings, ours, theirs, pipeline, node);
        return 0;
    }

    private static string EnsureBenchmarkModel()
    {
        var spec = TinyModelSpec.ThirtyMillion;
        var path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "aistack", "models", $"{spec.Name}-seed{spec.Seed}.gguf");
        if (!File.Exists(path))
        {
            var info = TinyModelWriter.Write(path, spec);
            Console.WriteLine($"generated {info.Path} ({info.ParameterCount:N0} parameters) in {info.Elapsed.TotalSeconds:F1} s");
        }

        return path;
    }

    private static int[] BuildPrompt(LlamaModel model, int count)
    {
        const string text = "the agent reads the code and the data, then it will write a test for each function in the service; ";
        var tokens = new List<int> { model.BeginningOfSequence };
        var piece = model.Tokenize(text, addSpecial: false);
        while (tokens.Count < count)
        {
            tokens.AddRange(piece);
        }

        return tokens.Take(count).ToArray();
    }

    /// <summary>The context alone: decode the prompt, then greedy sample + decode per token (what node-llama-cpp's evaluate does).</summary>
    private static List<RunResult> RunContext(LlamaModel model, BenchmarkSettings settings, int[] prompt, int runs)
    {
        var results = new List<RunResult>();
        using var context = model.CreateContext(LlamaContextKind.Generation);
        using var sampler = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        sampler.AddGreedySampler();
        for (var run = 0; run < runs; run++)
        {
            context.Clear();
            var start = Stopwatch.GetTimestamp();
            context.Decode(prompt);
            var promptSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

            context.Clear();
            context.Decode(prompt);
            var tokens = new List<int>(settings.GenerateTokens) { (int)sampler.Sample(context.Handle, -1) };
            var first = Stopwatch.GetTimestamp();
            while (tokens.Count < settings.GenerateTokens)
            {
                context.Decode([tokens[^1]]);
                tokens.Add((int)sampler.Sample(context.Handle, -1));
            }

            results.Add(new RunResult(promptSeconds, Stopwatch.GetElapsedTime(first).TotalSeconds, tokens));
        }

        return results;
    }

    /// <summary>
    /// The stack's IChatClient, streaming: prompt tokens/s up to the first streamed update (the prompt's decode and the
    /// first sample), generation tokens/s from there to the last update. The conversation is the prompt's text as one user
    /// message, so the template adds a few tokens; the usage reports how many.
    /// </summary>
    private static async Task<List<(double Prompt, double Generation)>> RunClientAsync(LlamaChatClient client, LlamaModel model, BenchmarkSettings settings, int[] prompt)
    {
        var rates = new List<(double, double)>();
        ChatMessage[] conversation = [new(ChatRole.User, model.Detokenize(prompt))];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = settings.GenerateTokens };
        for (var run = 0; run < settings.RunsPerRound; run++)
        {
            var start = Stopwatch.GetTimestamp();
            long first = 0;
            var updates = 0;
            await foreach (var update in client.GetStreamingResponseAsync(conversation, options))
            {
                if (first == 0)
                {
                    first = Stopwatch.GetTimestamp();
                }

                updates++;
                if (update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details is { } usage)
                {
                    var promptSeconds = (first - start) / (double)Stopwatch.Frequency;
                    rates.Add((usage.InputTokenCount!.Value / promptSeconds, (usage.OutputTokenCount!.Value - 1) / Stopwatch.GetElapsedTime(first).TotalSeconds));
                }
            }
        }

        return rates;
    }

    private static void Report(BenchmarkSettings settings, List<RunResult> ours, List<RunResult> theirs, List<(double Prompt, double Generation)> pipeline, NodeRunner node)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var ourPrompt = Median(ours.Select(r => settings.PromptTokens / r.PromptSeconds));
        var ourGeneration = Median(ours.Select(r => (r.Tokens.Count - 1) / r.GenerationSeconds));
        Console.WriteLine();
        Console.WriteLine($"{"",-28} {"prompt tok/s",14} {"generation tok/s",18}");
        var clientPrompt = Median(pipeline.Select(p => p.Prompt));
        var clientGeneration = Median(pipeline.Select(p => p.Generation));
        Console.WriteLine($"{"LLamaSharp context",-28} {ourPrompt,14:F1} {ourGeneration,18:F1}");
        Console.WriteLine($"{"AiStack IChatClient",-28} {clientPrompt,14:F1} {clientGeneration,18:F1}");
        if (theirs.Count == 0)
        {
            Console.WriteLine($"node-llama-cpp not run: {node.Problem}");
            return;
        }

        var theirPrompt = Median(theirs.Select(r => settings.PromptTokens / r.PromptSeconds));
        var theirGeneration = Median(theirs.Select(r => (r.Tokens.Count - 1) / r.GenerationSeconds));
        Console.WriteLine($"{"node-llama-cpp " + NodeLlamaCppVersion,-28} {theirPrompt,14:F1} {theirGeneration,18:F1}");
        Console.WriteLine($"{"ratio context / node",-28} {ourPrompt / theirPrompt,14:F3} {ourGeneration / theirGeneration,18:F3}");
        Console.WriteLine($"{"ratio IChatClient / node",-28} {clientPrompt / theirPrompt,14:F3} {clientGeneration / theirGeneration,18:F3}");
        Console.WriteLine($"same greedy tokens on both sides: {(ours[0].Tokens.SequenceEqual(theirs[0].Tokens) ? "yes" : "NO")}");
    }

    internal sealed record RunResult(double PromptSeconds, double GenerationSeconds, List<int> Tokens);

    internal sealed record BenchmarkSettings(string? ModelPath, int Threads, int PromptTokens, int GenerateTokens, int Rounds, int RunsPerRound, int ContextSize, int BatchSize)
    {
        public static BenchmarkSettings Parse(string[] args)
        {
            int Int(string name, int fallback)
            {
                var index = Array.IndexOf(args, name);
                return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
            }

            var modelIndex = Array.IndexOf(args, "--model");
            return new BenchmarkSettings(
                modelIndex >= 0 && modelIndex + 1 < args.Length ? args[modelIndex + 1] : null,
                Int("--threads", LlamaThreading.DefaultThreads(Environment.ProcessorCount)),
                Int("--prompt-tokens", 256),
                Int("--gen-tokens", 128),
                Int("--rounds", 3),
                Int("--runs", 3),
                Int("--context", 1024),
                Int("--batch", 512));
        }
    }

    /// <summary>Runs bench.mjs with node-llama-cpp, installed once (npm, --ignore-scripts, prebuilt binaries only) into ~/.cache.</summary>
    internal sealed class NodeRunner
    {
        private string? _directory;

        public bool Ready => _directory is not null;

        public string Problem { get; private set; } = string.Empty;

        public static async Task<NodeRunner> PrepareAsync(string version)
        {
            var runner = new NodeRunner();
            var directory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "aistack", "node-llama-cpp", version);
            Directory.CreateDirectory(directory);
            var source = Path.Combine(AppContext.BaseDirectory, "Llama", "node");
            File.Copy(Path.Combine(source, "package.json"), Path.Combine(directory, "package.json"), overwrite: true);
            File.Copy(Path.Combine(source, "bench.mjs"), Path.Combine(directory, "bench.mjs"), overwrite: true);
            if (!File.Exists(Path.Combine(directory, "node_modules", "node-llama-cpp", "package.json")))
            {
                Console.WriteLine($"installing node-llama-cpp {version} into {directory} (npm install --ignore-scripts --omit=optional) ...");
                var (code, output) = await RunProcessAsync("npm", directory, "install", "--ignore-scripts", "--omit=optional", "--no-audit", "--no-fund");
                if (code != 0)
                {
                    runner.Problem = $"npm install failed ({code}): {output.Trim()}";
                    return runner;
                }
            }

            runner._directory = directory;
            return runner;
        }

        public async Task<List<RunResult>> RunAsync(string modelPath, BenchmarkSettings settings, int[] prompt)
        {
            var input = Path.Combine(_directory!, "input.json");
            await File.WriteAllTextAsync(input, JsonSerializer.Serialize(new
            {
                modelPath,
                threads = settings.Threads,
                contextSize = settings.ContextSize,
                batchSize = settings.BatchSize,
                promptTokens = prompt,
                generateTokens = settings.GenerateTokens,
                runs = settings.RunsPerRound + 1,
            }));
            var (code, output) = await RunProcessAsync("node", _directory!, "bench.mjs", input);
            if (code != 0)
            {
                throw new InvalidOperationException($"node bench.mjs failed ({code}): {output}");
            }

            using var document = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{')));
            return document.RootElement.GetProperty("runs").EnumerateArray().Skip(1) // the first run warms up
                .Select(r => new RunResult(
                    r.GetProperty("promptSeconds").GetDouble(),
                    r.GetProperty("generationSeconds").GetDouble(),
                    r.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToList()))
                .ToList();
        }

        private static async Task<(int Code, string Output)> RunProcessAsync(string file, string directory, params string[] arguments)
        {
            var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
