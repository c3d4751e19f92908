using AiStack.Llama.Generation;
using AiStack.Llama.Models;
using AiStack.Llama.Runtime;
using Microsoft.Extensions.Logging;

namespace AiStack.Benchmarks.Llama;

/// <summary>`model info`: loads a model and prints what llama.cpp (through LLamaSharp) sees, to check a GGUF or a native build by hand.</summary>
internal static class ModelInfo
{
    public static async Task<int> RunAsync(string path, string[] args)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(
            args.Contains("--verbose") ? LogLevel.Debug : LogLevel.Warning));
        using var model = LlamaModel.Load(new LlamaModelOptions { Path = path, ContextSize = 1024 }, loggerFactory);
        Console.WriteLine($"model      {model.ModelId}: {model.Description}, {model.ParameterCount:N0} parameters");
        Console.WriteLine($"vocabulary {model.VocabularySize}, embedding {model.EmbeddingSize}, layers {model.LayerCount}, trained context {model.TrainContextLength}");
        Console.WriteLine($"template   {(model.ChatTemplate is null ? "(none: ChatML fallback)" : model.ChatTemplate.Length + " characters")}");
        Console.WriteLine($"llama.cpp  {LlamaRuntime.SystemInfo}");

        var prompt = args.SkipWhile(a => a != "--prompt").Skip(1).FirstOrDefault() ?? "Write a function that adds two numbers.";
        using var generator = new LlamaTextGenerator(model);
        var completion = await generator.GenerateChatAsync([new LlamaChatTurn("user", prompt)], LlamaSamplingOptions.Greedy with { MaxTokens = 48 })
            .AggregateAsync(string.Empty, (text, update) => text + update.Text);
        Console.WriteLine($"answer     {completion}");
        return 0;
    }
}
