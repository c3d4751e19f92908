namespace AiStack.Benchmarks.Llama;

internal static class LlamaBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        _ = args;
        Console.Error.WriteLine("not implemented yet");
        return Task.FromResult(1);
    }
}
