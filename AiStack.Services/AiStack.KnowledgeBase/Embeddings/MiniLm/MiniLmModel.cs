using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace AiStack.KnowledgeBase.Embeddings.MiniLm;

/// <summary>
/// all-MiniLM-L6-v2 on ONNX Runtime: BERT WordPiece tokens, the encoder's last hidden state mean-pooled over the attention
/// mask, then L2-normalized (what sentence-transformers does for this model). At most <see cref="MiniLmOptions.Sessions"/>
/// inference sessions run at once; more callers wait for one. A text longer than <see cref="MiniLmOptions.MaxTokens"/> is
/// embedded window by window and the windows' pooled vectors are averaged by their token counts.
/// </summary>
public sealed class MiniLmModel : IDisposable
{
    public const int Dimensions = 384;
    public const string ModelId = "all-MiniLM-L6-v2";

    // The weights are read-only, so one process (a test run, the benchmark, several hosts) holds them once per setting.
    private static readonly ConcurrentDictionary<(int, int, string?), Lazy<MiniLmModel>> SharedModels = new();

    private readonly MiniLmOptions _options;
    private readonly BertTokenizer _tokenizer;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<InferenceSession> _idle = [];
    private readonly List<InferenceSession> _all = [];
    private readonly Lock _create = new();

    public MiniLmModel(MiniLmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        using (var vocabulary = MiniLmModelFiles.OpenVocabulary(options.ModelAssemblyPath))
        {
            _tokenizer = BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = true });
        }

        _slots = new SemaphoreSlim(options.Sessions, options.Sessions);
        // One session up front: a missing or broken model fails start-up, not the first request.
        _idle.Add(CreateSession());
    }

    /// <summary>The process-wide model for these settings (created on first use, kept until the process ends).</summary>
    public static MiniLmModel Shared(MiniLmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SharedModels.GetOrAdd((options.Sessions, options.ThreadsPerSession, options.ModelAssemblyPath),
            _ => new Lazy<MiniLmModel>(() => new MiniLmModel(options))).Value;
    }

    /// <summary>Sessions created so far (for health: the pool grows on demand up to its bound).</summary>
    public int SessionCount
    {
        get
        {
            lock (_create)
            {
                return _all.Count;
            }
        }
    }

    public int MaxTokens => _options.MaxTokens;

    /// <summary>Word pieces of a text without [CLS]/[SEP].</summary>
    public int CountTokens(string text) => _tokenizer.EncodeToIds(text, addSpecialTokens: false).Count;

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var windows = new List<Window>();
        for (var t = 0; t < texts.Count; t++)
        {
            foreach (var ids in Windows(texts[t]))
            {
                windows.Add(new Window(t, ids));
            }
        }

        // Similar lengths in one call keep the padding small.
        windows.Sort((a, b) => a.Ids.Length.CompareTo(b.Ids.Length));
        var sums = new float[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            sums[i] = new float[Dimensions];
        }

        for (var offset = 0; offset < windows.Count; offset += _options.BatchSize)
        {
            var batch = windows.GetRange(offset, Math.Min(_options.BatchSize, windows.Count - offset));
            var pooled = await RunAsync(batch, cancellationToken);
            for (var i = 0; i < batch.Count; i++)
            {
                // Weighting by token count makes a long text's vector the mean over all its tokens, as one long window would be.
                TensorPrimitives.MultiplyAdd(pooled[i], batch[i].Ids.Length, sums[batch[i].Text], sums[batch[i].Text]);
            }
        }

        foreach (var sum in sums)
        {
            var norm = TensorPrimitives.Norm(sum);
            if (norm > 0)
            {
                TensorPrimitives.Divide(sum, norm, sum);
            }
        }

        return sums;
    }

    public void Dispose()
    {
        lock (_create)
        {
            foreach (var session in _all)
            {
                session.Dispose();
            }

            _all.Clear();
        }

        _slots.Dispose();
    }

    private IEnumerable<long[]> Windows(string text)
    {
        var ids = _tokenizer.EncodeToIds(text, addSpecialTokens: false);
        var room = _options.MaxTokens - 2;
        var start = 0;
        do
        {
            var length = Math.Min(room, ids.Count - start);
            var window = new long[length + 2];
            window[0] = _tokenizer.ClassificationTokenId;
            for (var i = 0; i < length; i++)
            {
                window[i + 1] = ids[start + i];
            }

            window[^1] = _tokenizer.SeparatorTokenId;
            yield return window;
            start += length;
        }
        while (start < ids.Count);
    }

    private async Task<float[][]> RunAsync(List<Window> batch, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var session = Rent();
        try
        {
            return Run(session, batch);
        }
        finally
        {
            _idle.Add(session);
            _slots.Release();
        }
    }

    private static float[][] Run(InferenceSession session, List<Window> batch)
    {
        var rows = batch.Count;
        var length = batch.Max(w => w.Ids.Length);
        var ids = new long[rows * length];
        var mask = new long[rows * length];
        var types = new long[rows * length];
        for (var r = 0; r < rows; r++)
        {
            batch[r].Ids.CopyTo(ids, r * length);
            mask.AsSpan(r * length, batch[r].Ids.Length).Fill(1);
        }

        long[] shape = [rows, length];
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var attentionMask = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var tokenTypes = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions,
            new Dictionary<string, OrtValue> { ["input_ids"] = inputIds, ["attention_mask"] = attentionMask, ["token_type_ids"] = tokenTypes },
            ["last_hidden_state"]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var pooled = new float[rows][];
        for (var r = 0; r < rows; r++)
        {
            var vector = new float[Dimensions];
            var tokens = batch[r].Ids.Length;
            for (var t = 0; t < tokens; t++)
            {
                TensorPrimitives.Add(vector, hidden.Slice(((r * length) + t) * Dimensions, Dimensions), vector);
            }

            TensorPrimitives.Divide(vector, tokens, vector);
            pooled[r] = vector;
        }

        return pooled;
    }

    private InferenceSession Rent()
    {
        if (_idle.TryTake(out var session))
        {
            return session;
        }

        // A slot is held, so fewer than Sessions sessions are busy: creating one keeps within the bound.
        return CreateSession();
    }

    private InferenceSession CreateSession()
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = _options.ThreadsPerSession,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        var session = new InferenceSession(MiniLmModelFiles.ReadModel(_options.ModelAssemblyPath), options);
        lock (_create)
        {
            _all.Add(session);
        }

        return session;
    }

    private sealed record Window(int Text, long[] Ids);
}
