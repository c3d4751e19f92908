using AiStack.Benchmarks.Llama;
using AiStack.Llama.Gguf;

// Commands:
//   model tiny <path> [--size tiny|30m] [--seed N]    write a generated llama-architecture GGUF with random weights
//   model info <path> [--prompt TEXT]                 load a GGUF, print its facts, the native ABI facts and a short greedy answer
//   llama [--threads N] [--prompt-tokens N] [--gen-tokens N] [--runs N]
//                                                     tokens/s of AiStack.Llama versus node-llama-cpp on the same model
return args switch
{
    ["model", "tiny", var path, .. var rest] => WriteTinyModel(path, rest),
    ["model", "info", var path, .. var rest] => await ModelInfo.RunAsync(path, rest),
    ["llama", .. var rest] => await LlamaBenchmark.RunAsync(rest),
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

static string? Option(string[] options, string name)
{
    var index = Array.IndexOf(options, name);
    return index >= 0 && index + 1 < options.Length ? options[index + 1] : null;
}

static int Usage()
{
    Console.Error.WriteLine("usage: AiStack.Benchmarks model tiny <path> [--size tiny|30m] [--seed N]");
    Console.Error.WriteLine("       AiStack.Benchmarks llama [--threads N] [--prompt-tokens N] [--gen-tokens N] [--runs N]");
    return 2;
}
