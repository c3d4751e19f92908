using System.Diagnostics;
using System.Runtime.InteropServices;
using AiStack.Llama.AI;
using AiStack.Llama.Embeddings;
using AiStack.Llama.Generation;
using AiStack.Llama.Gguf;
using AiStack.Llama.Hosting;
using AiStack.Llama.Models;
using AiStack.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace AiStack.Tests.Llama;

/// <summary>Process-wide measurements: runs alone, never beside tests of other collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LlamaLeakCollection
{
    public const string Name = "Llama leaks";
}

[Collection(LlamaLeakCollection.Name)]
public sealed class LlamaHandleLeakTests : IDisposable
{
    private readonly string _directory = TestDirectories.Create("llama-leaks");

    [Fact]
    public async Task Loading_and_freeing_models_contexts_and_samplers_in_a_loop_keeps_memory_and_handles_bounded()
    {
        var nativePath = Environment.GetEnvironmentVariable("Inference__NativeLibraryPath");

        // A bigger model than the shared fixture's, so that leaking one model or context per cycle would stand out clearly.
        var path = Path.Combine(_directory, "leak.gguf");
        TinyModelWriter.Write(path, TinyModelSpec.Tiny with { EmbeddingLength = 256, ContextLength = 2048 });
        var options = new LlamaModelOptions
        {
            Path = path, NativeLibraryPath = nativePath, ContextSize = 2048, Threads = 1, ContextPoolSize = 1, WarmUp = false,
        };
        async Task Cycle()
        {
            using var model = LlamaModel.Load(options);
            using (var generator = new LlamaTextGenerator(model))
            {
                await generator.CompleteAsync("hello", LlamaModelFixture.Greedy(2));
            }

            using var embedder = new LlamaEmbedder(model);
            await embedder.EmbedAsync("hello");
        }

        for (var i = 0; i < 10; i++)
        {
            await Cycle();
        }

        var (rssBefore, handlesBefore) = Measure();
        for (var i = 0; i < 50; i++)
        {
            await Cycle();
        }

        var (rssAfter, handlesAfter) = Measure();
        // Each cycle allocates a 3 MB model and two 2048-token contexts (KV cache and compute buffers, several MB each): a
        // leak of any of them over 50 cycles would add 150 MB or more; allocator drift stays well under this margin.
        Assert.True(rssAfter - rssBefore < 32L << 20, $"RSS grew by {(rssAfter - rssBefore) >> 20} MiB over 50 load/free cycles");
        Assert.True(handlesAfter - handlesBefore < 5, $"open file descriptors grew from {handlesBefore} to {handlesAfter}");
    }

    [Fact]
    public async Task Cancelling_streams_mid_generation_200_times_frees_every_context_and_keeps_memory_and_handles_bounded()
    {
        var path = Path.Combine(_directory, "cancel.gguf");
        TinyModelWriter.Write(path, TinyModelSpec.Tiny with { EmbeddingLength = 256, ContextLength = 2048 });
        using var model = LlamaModel.Load(new LlamaModelOptions { Path = path, ContextSize = 2048, Threads = 1, ContextPoolSize = 2 });
        using var generator = new LlamaTextGenerator(model);
        var client = new LlamaChatClient(new LoadedGenerator(generator));
        ChatMessage[] conversation = [new(ChatRole.User, "write some code about the world")];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 1000 };
        var cancelledMidStream = 0;
        async Task CancelMidStream()
        {
            using var cancellation = new CancellationTokenSource();
            var received = 0;
            try
            {
                await foreach (var update in client.GetStreamingResponseAsync(conversation, options, cancellation.Token))
                {
                    if (++received == 3)
                    {
                        await cancellation.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                cancelledMidStream++;
            }
        }

        for (var i = 0; i < 10; i++)
        {
            await CancelMidStream();
        }

        var (rssBefore, handlesBefore) = Measure();
        for (var i = 0; i < 200; i++)
        {
            await CancelMidStream();
        }

        var (rssAfter, handlesAfter) = Measure();
        Assert.Equal(210, cancelledMidStream);
        // Every cancelled request gave its context back: one context served all 210 (a context kept by a cancelled
        // stream would have made the pool create the second, then block), and both serve at once afterwards.
        Assert.Equal(1, generator.Pool.Created);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var streaming = new ChatOptions { Temperature = 0, MaxOutputTokens = 20 };
        await using var first = client.GetStreamingResponseAsync(conversation, streaming, timeout.Token).GetAsyncEnumerator(timeout.Token);
        await using var second = client.GetStreamingResponseAsync(conversation, streaming, timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await first.MoveNextAsync());
        Assert.True(await second.MoveNextAsync()); // holds the second context while the first stream holds the other
        Assert.Equal(2, generator.Pool.Created);
        while (await first.MoveNextAsync() | await second.MoveNextAsync())
        {
        }

        Assert.True(rssAfter - rssBefore < 32L << 20, $"RSS grew by {(rssAfter - rssBefore) >> 20} MiB over 200 cancelled streams");
        Assert.True(handlesAfter - handlesBefore < 5, $"open file descriptors grew from {handlesBefore} to {handlesAfter}");
    }

    public void Dispose() => TestDirectories.Delete(_directory);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static (long Rss, int Handles) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Hand freed native memory back to the OS first, so RSS shows what is still allocated rather than what glibc
        // keeps cached in its arenas (that alone drifts by tens of MB while contexts come and go).
        MallocTrim(0);
        using var process = Process.GetCurrentProcess();
        return (process.WorkingSet64, Directory.GetFiles("/proc/self/fd").Length);
    }
}
