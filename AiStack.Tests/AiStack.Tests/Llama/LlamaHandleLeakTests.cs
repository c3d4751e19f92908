using System.Diagnostics;
using AiStack.Llama.Embeddings;
using AiStack.Llama.Generation;
using AiStack.Llama.Models;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaHandleLeakTests(LlamaModelFixture fixture)
{
    [Fact]
    public async Task Loading_and_freeing_models_contexts_and_samplers_in_a_loop_keeps_memory_and_handles_bounded()
    {
        var options = fixture.Options with { ContextSize = 2048, ContextPoolSize = 1, WarmUp = false };
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

        for (var i = 0; i < 5; i++)
        {
            await Cycle();
        }

        var (rssBefore, handlesBefore) = Measure();
        for (var i = 0; i < 50; i++)
        {
            await Cycle();
        }

        var (rssAfter, handlesAfter) = Measure();
        // Each cycle allocates a 2048-token context (several MB of KV cache and compute buffers) and a model: a leak of
        // any of them over 50 cycles would add far more than this margin.
        Assert.True(rssAfter - rssBefore < 48L << 20, $"RSS grew by {(rssAfter - rssBefore) >> 20} MiB over 50 load/free cycles");
        Assert.True(handlesAfter - handlesBefore < 5, $"open file descriptors grew from {handlesBefore} to {handlesAfter}");
    }

    private static (long Rss, int Handles) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return (process.WorkingSet64, Directory.GetFiles("/proc/self/fd").Length);
    }
}
