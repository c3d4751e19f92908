using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using AiStack.Llama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Llama.Models;

/// <summary>A GGUF model loaded into memory: vocabulary, chat template, and the factory for contexts that run it.</summary>
public sealed class LlamaModel : IDisposable
{
    private readonly SafeLlamaModelHandle _handle;
    private readonly IntPtr _vocab;

    private LlamaModel(SafeLlamaModelHandle handle, LlamaModelOptions options, ILoggerFactory loggerFactory)
    {
        _handle = handle;
        Options = options;
        LoggerFactory = loggerFactory;
        _vocab = LlamaNative.ModelGetVocab(handle);
        VocabularySize = LlamaNative.VocabNTokens(_vocab);
        EmbeddingSize = LlamaNative.ModelNEmbdOut(handle);
        TrainContextLength = LlamaNative.ModelNCtxTrain(handle);
        LayerCount = LlamaNative.ModelNLayer(handle);
        ParameterCount = (long)LlamaNative.ModelNParams(handle);
        BeginningOfSequence = LlamaNative.VocabBos(_vocab);
        EndOfSequence = LlamaNative.VocabEos(_vocab);
        unsafe
        {
            var buffer = stackalloc byte[256];
            var length = LlamaNative.ModelDesc(handle, buffer, 256);
            Description = length > 0 ? Encoding.UTF8.GetString(buffer, Math.Min(length, 255)) : "unknown";
            BeginningOfSequenceText = BeginningOfSequence >= 0 ? Marshal.PtrToStringUTF8((IntPtr)LlamaNative.VocabGetText(_vocab, BeginningOfSequence)) : null;
            var template = LlamaNative.ModelChatTemplate(handle, null);
            ChatTemplate = template is null ? null : Marshal.PtrToStringUTF8((IntPtr)template);
        }
    }

    public LlamaModelOptions Options { get; }

    /// <summary>The model's id for metadata: its file name.</summary>
    public string ModelId => Path.GetFileName(Options.Path);

    public string Description { get; }

    public int VocabularySize { get; }

    /// <summary>Length of the vectors the model's embeddings have (llama_model_n_embd_out).</summary>
    public int EmbeddingSize { get; }

    public int TrainContextLength { get; }

    public int LayerCount { get; }

    public long ParameterCount { get; }

    public int BeginningOfSequence { get; }

    public int EndOfSequence { get; }

    /// <summary>The model's own chat template (tokenizer.chat_template), if it has one.</summary>
    public string? ChatTemplate { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal SafeLlamaModelHandle Handle => _handle;

    /// <summary>Loads the model (and the native libraries on first use).</summary>
    /// <exception cref="LlamaUnavailableException">Native libraries missing or mismatched.</exception>
    /// <exception cref="LlamaException">The file is missing or not a loadable GGUF.</exception>
    public static LlamaModel Load(LlamaModelOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        LlamaLibrary.EnsureLoaded(options.NativeLibraryPath, loggerFactory);
        if (!File.Exists(options.Path))
        {
            throw new LlamaException($"Model file '{options.Path}' does not exist (Inference:ModelPath).");
        }

        var logger = loggerFactory.CreateLogger<LlamaModel>();
        var stopwatch = Stopwatch.StartNew();
        var parameters = LlamaNative.ModelDefaultParams();
        parameters.NGpuLayers = options.GpuLayers;
        var handle = LlamaNative.ModelLoadFromFile(options.Path, parameters);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new LlamaException($"llama.cpp could not load '{options.Path}' (not a GGUF file, an unsupported architecture, or out of memory; see the llama.cpp log).");
        }

        var model = new LlamaModel(handle, options, loggerFactory);
        logger.LogInformation(
            "Loaded {ModelId} ({Description}, {Parameters} parameters, embedding {EmbeddingSize}) from {Path} in {ElapsedMs} ms using {NativeDirectory}",
            model.ModelId, model.Description, model.ParameterCount, model.EmbeddingSize, options.Path, stopwatch.ElapsedMilliseconds, LlamaLibrary.LoadedDirectory);
        return model;
    }

    /// <summary>Tokens of <paramref name="text"/>. <paramref name="addSpecial"/> adds BOS when the model wants it;
    /// <paramref name="parseSpecial"/> turns control-token text (e.g. &lt;|im_start|&gt;) into those tokens.</summary>
    public unsafe int[] Tokenize(string text, bool addSpecial = true, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var capacity = bytes.Length + 8;
        while (true)
        {
            var tokens = new int[capacity];
            int count;
            fixed (byte* textPointer = bytes)
            fixed (int* tokenPointer = tokens)
            {
                count = LlamaNative.Tokenize(_vocab, textPointer, bytes.Length, tokenPointer, capacity, addSpecial, parseSpecial);
            }

            if (count >= 0)
            {
                return tokens[..count];
            }

            if (count == int.MinValue)
            {
                throw new LlamaException("llama_tokenize overflowed (text too long).");
            }

            capacity = -count;
        }
    }

    /// <summary>Text of <paramref name="tokens"/>, removing BOS/EOS and the tokenizer's leading space as llama.cpp does.</summary>
    public unsafe string Detokenize(ReadOnlySpan<int> tokens, bool removeSpecial = true)
    {
        var capacity = (tokens.Length * 8) + 16;
        while (true)
        {
            var buffer = new byte[capacity];
            int length;
            fixed (int* tokenPointer = tokens)
            fixed (byte* bufferPointer = buffer)
            {
                length = LlamaNative.Detokenize(_vocab, tokenPointer, tokens.Length, bufferPointer, capacity, removeSpecial, unparseSpecial: false);
            }

            if (length >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }

            capacity = -length;
        }
    }

    /// <summary>
    /// The raw bytes of one token (possibly part of a UTF-8 character) into <paramref name="buffer"/>, grown when the
    /// token is longer; returns the byte count. Control tokens render as nothing.
    /// </summary>
    internal unsafe int TokenToPiece(int token, ref byte[] buffer)
    {
        while (true)
        {
            int length;
            fixed (byte* pointer = buffer)
            {
                length = LlamaNative.TokenToPiece(_vocab, token, pointer, buffer.Length, 0, special: false);
            }

            if (length >= 0)
            {
                return length;
            }

            buffer = new byte[-length];
        }
    }

    /// <summary>The text of the BOS token, when the model has one ("&lt;s&gt;", "&lt;|begin_of_text|&gt;").</summary>
    public string? BeginningOfSequenceText { get; private set; }

    /// <summary>True for end-of-generation tokens (EOS, EOT, &lt;|im_end|&gt; ...).</summary>
    public bool IsEndOfGeneration(int token) => LlamaNative.VocabIsEog(_vocab, token);

    /// <summary>
    /// Formats a conversation with the model's own template (llama_chat_apply_template recognises the common ones, among
    /// them ChatML, Llama 2/3, Mistral, Gemma, Phi, DeepSeek). Models without a template, or with one llama.cpp does not
    /// know, fall back to ChatML.
    /// </summary>
    public string ApplyChatTemplate(IReadOnlyList<LlamaChatTurn> turns, bool addAssistantPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(turns);
        if (ChatTemplate is not null && TryApplyTemplate(ChatTemplate, turns, addAssistantPrompt, out var formatted))
        {
            return formatted;
        }

        return TryApplyTemplate("chatml", turns, addAssistantPrompt, out formatted)
            ? formatted
            : throw new LlamaException("llama_chat_apply_template failed for the ChatML fallback.");
    }

    internal unsafe bool TryApplyTemplate(string template, IReadOnlyList<LlamaChatTurn> turns, bool addAssistantPrompt, out string formatted)
    {
        var handles = new List<GCHandle>();
        try
        {
            byte* Pin(string text)
            {
                var bytes = Encoding.UTF8.GetBytes(text + "\0");
                var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
                handles.Add(handle);
                return (byte*)handle.AddrOfPinnedObject();
            }

            var messages = new LlamaChatMessage[turns.Count];
            var totalLength = 0;
            for (var i = 0; i < turns.Count; i++)
            {
                messages[i] = new LlamaChatMessage { Role = Pin(turns[i].Role), Content = Pin(turns[i].Content) };
                totalLength += turns[i].Role.Length + turns[i].Content.Length;
            }

            var templatePointer = Pin(template);
            var capacity = (totalLength * 2) + 256;
            while (true)
            {
                var buffer = new byte[capacity];
                int length;
                fixed (LlamaChatMessage* messagePointer = messages)
                fixed (byte* bufferPointer = buffer)
                {
                    length = LlamaNative.ChatApplyTemplate(templatePointer, messagePointer, (nuint)messages.Length, addAssistantPrompt, bufferPointer, capacity);
                }

                if (length < 0)
                {
                    formatted = string.Empty;
                    return false;
                }

                if (length <= capacity)
                {
                    formatted = Encoding.UTF8.GetString(buffer, 0, length);
                    return true;
                }

                capacity = length;
            }
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Free();
            }
        }
    }

    internal LlamaContext CreateContext(LlamaContextKind kind)
    {
        var parameters = LlamaNative.ContextDefaultParams();
        var size = CapToTraining(kind == LlamaContextKind.Embedding ? Options.EmbeddingContextSize : Options.ContextSize);
        var threads = Options.EffectiveThreads;
        parameters.NCtx = (uint)size;
        parameters.NThreads = threads;
        parameters.NThreadsBatch = threads;
        parameters.NSeqMax = 1;
        if (kind == LlamaContextKind.Embedding)
        {
            // Pooled embeddings need the whole input in one micro-batch.
            parameters.Embeddings = 1;
            parameters.PoolingType = (int)LlamaPoolingType.Mean;
            parameters.NBatch = (uint)size;
            parameters.NUbatch = (uint)size;
        }
        else
        {
            var batch = (uint)Math.Clamp(Options.BatchSize, 1, size);
            parameters.NBatch = batch;
            parameters.NUbatch = Math.Min(batch, parameters.NUbatch);
        }

        return LlamaContext.Create(this, parameters, kind);
    }

    /// <summary>Beyond the training context a model produces garbage (no RoPE scaling is configured here): cap there; 0 means all of it.</summary>
    private int CapToTraining(int requested) =>
        requested > 0 && (requested <= TrainContextLength || TrainContextLength <= 0) ? requested : TrainContextLength;

    public void Dispose() => _handle.Dispose();
}

/// <summary>One message of a conversation, as the chat template sees it.</summary>
public sealed record LlamaChatTurn(string Role, string Content);

internal enum LlamaContextKind
{
    Generation,
    Embedding,
}
