using System.Diagnostics;

namespace AiStack.Llama.Gguf;

/// <summary>
/// Creates small llama-architecture GGUF models with seeded random f32 weights, a SentencePiece-style byte tokenizer and a
/// ChatML chat template. The text they generate is meaningless, but loading, tokenizing, decoding, sampling, stopping and
/// embeddings all run for real, and greedy output is identical on every run.
/// </summary>
public static class TinyModelWriter
{
    /// <summary>The ChatML template stored as tokenizer.chat_template (llama_chat_apply_template recognises it).</summary>
    public const string ChatTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>Writes the model to <paramref name="path"/> (replacing it) and returns what was written.</summary>
    public static TinyModelInfo Write(string path, TinyModelSpec spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var stopwatch = Stopwatch.StartNew();
        var vocabulary = TinyVocabulary.Build(spec.VocabularySize);
        var headDimension = spec.EmbeddingLength / spec.HeadCount;
        var keyValueLength = headDimension * spec.KeyValueHeadCount;

        var gguf = new GgufWriter();
        gguf.Add("general.architecture", "llama");
        gguf.Add("general.name", spec.Name);
        gguf.Add("general.alignment", GgufWriter.Alignment);
        gguf.Add("general.file_type", 0u); // ALL_F32
        gguf.Add("llama.context_length", (uint)spec.ContextLength);
        gguf.Add("llama.embedding_length", (uint)spec.EmbeddingLength);
        gguf.Add("llama.block_count", (uint)spec.LayerCount);
        gguf.Add("llama.feed_forward_length", (uint)spec.FeedForwardLength);
        gguf.Add("llama.attention.head_count", (uint)spec.HeadCount);
        gguf.Add("llama.attention.head_count_kv", (uint)spec.KeyValueHeadCount);
        gguf.Add("llama.rope.dimension_count", (uint)headDimension);
        gguf.Add("llama.rope.freq_base", 10000f);
        gguf.Add("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        gguf.Add("llama.vocab_size", (uint)vocabulary.Tokens.Count);
        gguf.Add("tokenizer.ggml.model", "llama");
        gguf.Add("tokenizer.ggml.tokens", vocabulary.Tokens);
        gguf.Add("tokenizer.ggml.scores", vocabulary.Scores);
        gguf.Add("tokenizer.ggml.token_type", vocabulary.Types);
        gguf.Add("tokenizer.ggml.unknown_token_id", (uint)TinyVocabulary.Unknown);
        gguf.Add("tokenizer.ggml.bos_token_id", (uint)TinyVocabulary.Bos);
        gguf.Add("tokenizer.ggml.eos_token_id", (uint)TinyVocabulary.Eos);
        gguf.Add("tokenizer.ggml.eot_token_id", (uint)TinyVocabulary.ImEnd);
        gguf.Add("tokenizer.ggml.add_bos_token", spec.AddBosToken);
        gguf.Add("tokenizer.ggml.add_eos_token", false);
        gguf.Add("tokenizer.chat_template", spec.ChatTemplate ?? ChatTemplate);

        var random = new Random(spec.Seed);
        long n = spec.EmbeddingLength, vocab = vocabulary.Tokens.Count, ff = spec.FeedForwardLength;
        var parameters = 0L;
        void Matrix(string name, long inner, long outer, float scale)
        {
            parameters += inner * outer;
            gguf.AddTensor(name, [inner, outer], values => FillUniform(random, values, scale));
        }

        void Norm(string name)
        {
            parameters += n;
            gguf.AddTensor(name, [n], values => values.Fill(1f));
        }

        var inScale = 1f / MathF.Sqrt(n);
        Matrix("token_embd.weight", n, vocab, 1f);
        for (var layer = 0; layer < spec.LayerCount; layer++)
        {
            var prefix = $"blk.{layer}.";
            Norm(prefix + "attn_norm.weight");
            Matrix(prefix + "attn_q.weight", n, n, inScale);
            Matrix(prefix + "attn_k.weight", n, keyValueLength, inScale);
            Matrix(prefix + "attn_v.weight", n, keyValueLength, inScale);
            Matrix(prefix + "attn_output.weight", n, n, inScale);
            Norm(prefix + "ffn_norm.weight");
            Matrix(prefix + "ffn_gate.weight", n, ff, inScale);
            Matrix(prefix + "ffn_up.weight", n, ff, inScale);
            Matrix(prefix + "ffn_down.weight", ff, n, 1f / MathF.Sqrt(ff));
        }

        Norm("output_norm.weight");
        Matrix("output.weight", n, vocab, inScale * 4f);
        gguf.Write(path);
        return new TinyModelInfo(Path.GetFullPath(path), parameters, vocabulary.Tokens.Count, new FileInfo(path).Length, stopwatch.Elapsed);
    }

    private static void FillUniform(Random random, Span<float> values, float scale)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ((random.NextSingle() * 2f) - 1f) * scale;
        }
    }
}

/// <summary>What <see cref="TinyModelWriter.Write"/> produced.</summary>
public sealed record TinyModelInfo(string Path, long ParameterCount, int VocabularySize, long FileBytes, TimeSpan Elapsed);
