using System.Diagnostics;
using AiStack.Llama.Generation;
using AiStack.Llama.Gguf;
using AiStack.Llama.Models;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaGenerationTests(LlamaModelFixture fixture)
{
    private const string Prompt = "<|im_start|>user\nwrite some code about the world<|im_end|>\n<|im_start|>assistant\n";

    [Fact]
    public async Task Greedy_generation_is_identical_on_repeated_runs()
    {
        var first = await fixture.Generator.CompleteAsync(Prompt, LlamaModelFixture.Greedy(32));
        var second = await fixture.Generator.CompleteAsync(Prompt, LlamaModelFixture.Greedy(32));
        Assert.NotEmpty(first.Text);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Seeded_sampling_is_reproducible()
    {
        var sampling = new LlamaSamplingOptions { Temperature = 1.2f, TopK = 50, TopP = 0.9f, MinP = 0.01f, RepeatPenalty = 1.1f, Seed = 7, MaxTokens = 24 };
        var first = await fixture.Generator.CompleteAsync(Prompt, sampling);
        var second = await fixture.Generator.CompleteAsync(Prompt, sampling);
        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task A_repetition_penalty_changes_greedy_output_and_is_cheap_to_set_up()
    {
        var plain = await fixture.Generator.CompleteAsync(Prompt, LlamaModelFixture.Greedy(48));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var penalized = await fixture.Generator.CompleteAsync(
            Prompt, LlamaModelFixture.Greedy(48) with { RepeatPenalty = 100f, FrequencyPenalty = 5f, PresencePenalty = 5f, PenaltyLastN = 64 });
        Assert.True(stopwatch.ElapsedMilliseconds < 2000, $"a penalized request took {stopwatch.ElapsedMilliseconds} ms");
        Assert.NotEqual(plain.Text, penalized.Text);
    }

    [Fact]
    public async Task An_empty_prompt_is_rejected_instead_of_reaching_the_native_sampler()
    {
        // A vocabulary that adds no BOS (like Qwen's) turns an empty prompt into no tokens at all.
        var path = Path.Combine(fixture.Directory, "no-bos.gguf");
        TinyModelWriter.Write(path, TinyModelSpec.Tiny with { AddBosToken = false });
        using var model = LlamaModel.Load(fixture.Options with { Path = path, ContextPoolSize = 1 });
        using var generator = new LlamaTextGenerator(model);

        await Assert.ThrowsAsync<ArgumentException>(() => generator.CompleteAsync(string.Empty, LlamaModelFixture.Greedy(4)));
        var after = await generator.CompleteAsync("hello", LlamaModelFixture.Greedy(2));
        Assert.Equal(2, after.CompletionTokens);
        Assert.Equal(model.Tokenize("hello", addSpecial: false).Length, after.PromptTokens);
    }

    [Fact]
    public async Task Max_tokens_ends_generation_with_finish_reason_length()
    {
        var completion = await fixture.Generator.CompleteAsync(Prompt, LlamaModelFixture.Greedy(5));
        Assert.Equal(LlamaFinishReason.Length, completion.FinishReason);
        Assert.Equal(5, completion.CompletionTokens);
        Assert.Equal(fixture.Model.Tokenize(Prompt, true, true).Length, completion.PromptTokens);
    }

    [Fact]
    public async Task A_stop_sequence_spanning_tokens_ends_generation_and_is_never_emitted()
    {
        var pieces = new List<string>();
        await foreach (var update in fixture.Generator.GenerateAsync(Prompt, LlamaModelFixture.Greedy(40)))
        {
            if (update.Text.Length > 0)
            {
                pieces.Add(update.Text);
            }
        }

        // Straddle the boundary between two streamed pieces so the stop string only exists across tokens.
        var k = Enumerable.Range(3, pieces.Count - 4).First(i => pieces[i].Length >= 2 && pieces[i + 1].Length >= 2);
        var full = string.Concat(pieces);
        var stop = pieces[k][^2..] + pieces[k + 1][..2];
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var streamed = new List<string>();
        LlamaFinishReason? finish = null;
        await foreach (var update in fixture.Generator.GenerateAsync(Prompt, LlamaModelFixture.Greedy(40) with { StopSequences = ["@@never@@", stop] }))
        {
            streamed.Add(update.Text);
            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(LlamaFinishReason.Stop, finish);
        Assert.Equal(expected, string.Concat(streamed));
        Assert.DoesNotContain(stop, string.Concat(streamed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_stream_stops_it_between_tokens()
    {
        using var cancellation = new CancellationTokenSource();
        var received = 0;
        var afterCancel = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in fixture.Generator.GenerateAsync(Prompt, LlamaModelFixture.Greedy(400), cancellation.Token))
            {
                if (cancellation.IsCancellationRequested)
                {
                    afterCancel++;
                }

                if (++received == 3)
                {
                    await cancellation.CancelAsync();
                }
            }
        });
        Assert.Equal(3, received);
        Assert.Equal(0, afterCancel);
    }

    [Fact]
    public async Task Cancelling_during_a_long_prompt_aborts_the_native_decode()
    {
        // One 2000-token batch on a wider model: a single llama_decode call that takes a good while on one thread.
        var path = Path.Combine(fixture.Directory, "wide.gguf");
        TinyModelWriter.Write(path, TinyModelSpec.Tiny with { EmbeddingLength = 512, FeedForwardLength = 1024, LayerCount = 4, ContextLength = 2048 });
        using var model = LlamaModel.Load(fixture.Options with { Path = path, ContextSize = 2048, BatchSize = 2048, ContextPoolSize = 1 });
        using var generator = new LlamaTextGenerator(model);
        var prompt = string.Concat(Enumerable.Repeat("the code and the data of the world ", 240));
        Assert.InRange(model.Tokenize(prompt).Length, 1500, 2000);

        var uncancelled = Stopwatch.StartNew();
        await generator.CompleteAsync(prompt, LlamaModelFixture.Greedy(1));
        uncancelled.Stop();

        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
        var cancelled = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.CompleteAsync(prompt, LlamaModelFixture.Greedy(1), cancellation.Token));
        cancelled.Stop();

        Assert.True(cancelled.Elapsed < uncancelled.Elapsed / 2, $"cancelled after {cancelled.ElapsedMilliseconds} ms; the whole prompt takes {uncancelled.ElapsedMilliseconds} ms");
        var after = await generator.CompleteAsync("hello", LlamaModelFixture.Greedy(3));
        Assert.Equal(3, after.CompletionTokens); // the context is usable again
    }

    [Fact]
    public async Task Concurrent_requests_on_the_context_pool_match_serial_answers()
    {
        var prompts = new[] { "hello", "the world", "write code", "a question about data", "return value", "search the cache" }
            .Select(p => $"<|im_start|>user\n{p}<|im_end|>\n<|im_start|>assistant\n")
            .ToArray();
        var serial = new List<LlamaCompletion>();
        foreach (var prompt in prompts)
        {
            serial.Add(await fixture.Generator.CompleteAsync(prompt, LlamaModelFixture.Greedy(24)));
        }

        var parallel = await Task.WhenAll(prompts.Select(p => Task.Run(() => fixture.Generator.CompleteAsync(p, LlamaModelFixture.Greedy(24)))));
        Assert.Equal(serial, parallel);
        Assert.True(fixture.Generator.Pool.Created <= LlamaModelFixture.PoolSize);
    }
}
