using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using AiStack.Llama.Runtime;
using LLama;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Llama.Models;

/// <summary>A GGUF model loaded into memory through LLamaSharp: vocabulary, chat template, and the factory for its contexts.</summary>
public sealed class LlamaModel : IDisposable
{
    private LlamaModel(SafeLlamaModelHandle handle, LlamaModelOptions options, ILoggerFactory loggerFactory)
    {
        Handle = handle;
        Options = options;
        LoggerFactory = loggerFactory;
        var vocab = handle.Vocab;
        VocabularySize = vocab.Count;
        EmbeddingSize = handle.EmbeddingSize;
        TrainContextLength = handle.ContextSize;
        LayerCount = handle.LayerCount;
        ParameterCount = (long)handle.ParameterCount;
        BeginningOfSequence = vocab.BOS is { } bos ? (int)bos : -1;
        EndOfSequence = vocab.EOS is { } eos ? (int)eos : -1;
        Description = handle.Description;
        BeginningOfSequenceText = BeginningOfSequence >= 0 ? vocab.LLamaTokenToString(BeginningOfSequence, isSpecialToken: true) : null;
        ChatTemplate = handle.GetTemplate(strict: false);
        StripsLeadingSpace = vocab.Type == LLamaVocabType.SentencePiece;
    }

    public LlamaModelOptions Options { get; }

    /// <summary>The model's id for metadata: its file name.</summary>
    public string ModelId => Path.GetFileName(Options.Path);

    public string Description { get; }

    public int VocabularySize { get; }

    /// <summary>Length of the vectors the model's embeddings have.</summary>
    public int EmbeddingSize { get; }

    public int TrainContextLength { get; }

    public int LayerCount { get; }

    public long ParameterCount { get; }

    public int BeginningOfSequence { get; }

    public int EndOfSequence { get; }

    /// <summary>The text of the BOS token, when the model has one ("&lt;s&gt;", "&lt;|begin_of_text|&gt;").</summary>
    public string? BeginningOfSequenceText { get; }

    /// <summary>The model's own chat template (tokenizer.chat_template), if it has one.</summary>
    public string? ChatTemplate { get; }

    /// <summary>Whether the model's own template renders tool definitions and calls (a Jinja template that mentions tools).</summary>
    public bool TemplateMentionsTools => ChatTemplate?.Contains("tool", StringComparison.Ordinal) == true;

    internal ILoggerFactory LoggerFactory { get; }

    internal SafeLlamaModelHandle Handle { get; }

    // SentencePiece vocabularies prefix text with a space when tokenizing; llama_detokenize takes it off again.
    private bool StripsLeadingSpace { get; }

    /// <summary>Loads the model (and llama.cpp on first use).</summary>
    /// <exception cref="LlamaUnavailableException">llama.cpp cannot be loaded, or the file is missing or not a loadable GGUF (the message names the path and the reason).</exception>
    public static LlamaModel Load(LlamaModelOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        LlamaRuntime.EnsureLoaded(options.NativeLibraryPath, loggerFactory);
        if (!File.Exists(options.Path))
        {
            throw new LlamaUnavailableException($"Model file '{options.Path}' does not exist (Inference:ModelPath).");
        }

        var logger = loggerFactory.CreateLogger<LlamaModel>();
        var stopwatch = Stopwatch.StartNew();
        var parameters = LLamaModelParams.Default();
        parameters.n_gpu_layers = options.GpuLayers;
        SafeLlamaModelHandle handle;
        try
        {
            handle = SafeLlamaModelHandle.LoadFromFile(options.Path, parameters);
        }
        catch (Exception exception) when (exception is LLama.Exceptions.LoadWeightsFailedException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            var reason = exception is LLama.Exceptions.LoadWeightsFailedException
                ? "not a GGUF file, a truncated or corrupt one, an unsupported architecture, or out of memory; the llama.cpp log above says which"
                : exception.Message;
            throw new LlamaUnavailableException($"llama.cpp could not load '{options.Path}': {reason}.", exception);
        }

        var model = new LlamaModel(handle, options, loggerFactory);
        logger.LogInformation(
            "Loaded {ModelId} ({Description}, {Parameters} parameters, embedding {EmbeddingSize}) from {Path} in {ElapsedMs} ms; llama.cpp: {SystemInfo}",
            model.ModelId, model.Description, model.ParameterCount, model.EmbeddingSize, options.Path, stopwatch.ElapsedMilliseconds, LlamaRuntime.SystemInfo);
        return model;
    }

    /// <summary>Tokens of <paramref name="text"/>. <paramref name="addSpecial"/> adds BOS when the model wants it;
    /// <paramref name="parseSpecial"/> turns control-token text (e.g. &lt;|im_start|&gt;) into those tokens.</summary>
    public int[] Tokenize(string text, bool addSpecial = true, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 && !addSpecial)
        {
            return [];
        }

        var tokens = Handle.Tokenize(text, addSpecial, parseSpecial, Encoding.UTF8);
        return MemoryMarshal.Cast<LLamaToken, int>(tokens).ToArray();
    }

    /// <summary>Text of <paramref name="tokens"/>: control tokens (BOS, EOS) render as nothing, and the tokenizer's leading space is removed.</summary>
    public string Detokenize(ReadOnlySpan<int> tokens)
    {
        var decoder = new Generation.TokenTextDecoder(this);
        var text = new StringBuilder();
        foreach (var token in tokens)
        {
            text.Append(decoder.Append(token));
        }

        text.Append(decoder.Flush());
        return StripsLeadingSpace && text.Length > 0 && text[0] == ' ' ? text.ToString(1, text.Length - 1) : text.ToString();
    }

    /// <summary>
    /// The raw bytes of one token (possibly part of a UTF-8 character) into <paramref name="buffer"/>, grown when the
    /// token is longer; returns the byte count. Control tokens render as nothing.
    /// </summary>
    internal int TokenToPiece(int token, ref byte[] buffer)
    {
        while (true)
        {
            var length = (int)Handle.TokenToSpan(token, buffer);
            if (length <= buffer.Length)
            {
                return length;
            }

            buffer = new byte[length];
        }
    }

    /// <summary>True for end-of-generation tokens (EOS, EOT, &lt;|im_end|&gt; ...).</summary>
    public bool IsEndOfGeneration(int token) => ((LLamaToken)token).IsEndOfGeneration(Handle.Vocab);

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

    internal static bool TryApplyTemplate(string template, IReadOnlyList<LlamaChatTurn> turns, bool addAssistantPrompt, out string formatted)
    {
        var llamaTemplate = new LLamaTemplate(template) { AddAssistant = addAssistantPrompt };
        foreach (var turn in turns)
        {
            llamaTemplate.Add(turn.Role, turn.Content);
        }

        try
        {
            formatted = Encoding.UTF8.GetString(llamaTemplate.Apply());
            return true;
        }
        catch (LLama.Exceptions.RuntimeError)
        {
            // llama.cpp does not recognise this template.
            formatted = string.Empty;
            return false;
        }
    }

    internal LlamaContext CreateContext(LlamaContextKind kind)
    {
        var parameters = LLamaContextParams.Default();
        var size = CapToTraining(kind == LlamaContextKind.Embedding ? Options.EmbeddingContextSize : Options.ContextSize);
        var threads = Options.EffectiveThreads;
        parameters.n_ctx = (uint)size;
        parameters.n_threads = threads;
        parameters.n_threads_batch = threads;
        parameters.n_seq_max = 1;
        parameters.llama_flash_attn_type = Options.FlashAttention switch
        {
            true => LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_ENABLED,
            false => LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED,
            null => LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_AUTO,
        };
        if (kind == LlamaContextKind.Embedding)
        {
            // Pooled embeddings need the whole input in one micro-batch.
            parameters.embeddings = true;
            parameters.llama_pooling_type = LLamaPoolingType.Mean;
            parameters.n_batch = (uint)size;
            parameters.n_ubatch = (uint)size;
        }
        else
        {
            var batch = (uint)Math.Clamp(Options.BatchSize, 1, size);
            parameters.n_batch = batch;
            parameters.n_ubatch = Math.Min(batch, parameters.n_ubatch);
        }

        return LlamaContext.Create(this, parameters, kind);
    }

    /// <summary>Beyond the training context a model produces garbage (no RoPE scaling is configured here): cap there; 0 means all of it.</summary>
    private int CapToTraining(int requested) =>
        requested > 0 && (requested <= TrainContextLength || TrainContextLength <= 0) ? requested : TrainContextLength;

    public void Dispose() => Handle.Dispose();
}

/// <summary>One message of a conversation, as the chat template sees it.</summary>
public sealed record LlamaChatTurn(string Role, string Content);

internal enum LlamaContextKind
{
    Generation,
    Embedding,
}
