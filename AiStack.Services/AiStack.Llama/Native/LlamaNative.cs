using System.Runtime.InteropServices;

namespace AiStack.Llama.Native;

/// <summary>P/Invoke declarations over llama.h / ggml-backend.h of the pinned build. Loaded through <see cref="LlamaLibrary"/>.</summary>
internal static unsafe partial class LlamaNative
{
    public const string Llama = "llama";
    public const string Ggml = "ggml";

    [LibraryImport(Ggml, EntryPoint = "ggml_backend_load_all_from_path", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void GgmlBackendLoadAllFromPath(string directory);

    [LibraryImport(Llama, EntryPoint = "llama_backend_init")]
    public static partial void BackendInit();

    [LibraryImport(Llama, EntryPoint = "llama_log_set")]
    public static partial void LogSet(delegate* unmanaged<int, byte*, IntPtr, void> callback, IntPtr userData);

    [LibraryImport(Llama, EntryPoint = "llama_print_system_info")]
    public static partial byte* PrintSystemInfo();

    [LibraryImport(Llama, EntryPoint = "llama_model_default_params")]
    public static partial LlamaModelParams ModelDefaultParams();

    [LibraryImport(Llama, EntryPoint = "llama_context_default_params")]
    public static partial LlamaContextParams ContextDefaultParams();

    [LibraryImport(Llama, EntryPoint = "llama_sampler_chain_default_params")]
    public static partial LlamaSamplerChainParams SamplerChainDefaultParams();

    // Model

    [LibraryImport(Llama, EntryPoint = "llama_model_load_from_file", StringMarshalling = StringMarshalling.Utf8)]
    public static partial SafeLlamaModelHandle ModelLoadFromFile(string path, LlamaModelParams parameters);

    [LibraryImport(Llama, EntryPoint = "llama_model_free")]
    public static partial void ModelFree(IntPtr model);

    [LibraryImport(Llama, EntryPoint = "llama_model_get_vocab")]
    public static partial IntPtr ModelGetVocab(SafeLlamaModelHandle model);

    [LibraryImport(Llama, EntryPoint = "llama_model_n_embd")]
    public static partial int ModelNEmbd(SafeLlamaModelHandle model);

    [LibraryImport(Llama, EntryPoint = "llama_model_n_embd_out")]
    public static partial int ModelNEmbdOut(SafeLlamaModelHandle model);

    [LibraryImport(Llama, EntryPoint = "llama_model_n_ctx_train")]
    public static partial int ModelNCtxTrain(SafeLlamaModelHandle model);

    [LibraryImport(Llama, EntryPoint = "llama_model_n_layer")]
    public static partial int ModelNLayer(SafeLlamaModelHandle model);

    [LibraryImport(Llama, EntryPoint = "llama_model_n_params")]
    public static partial ulong ModelNParams(SafeLlamaModelHandle model);

    [LibraryImport(Llama, EntryPoint = "llama_model_size")]
    public static partial ulong ModelSize(SafeLlamaModelHandle model);

    [LibraryImport(Llama, EntryPoint = "llama_model_desc")]
    public static partial int ModelDesc(SafeLlamaModelHandle model, byte* buffer, nuint bufferSize);

    [LibraryImport(Llama, EntryPoint = "llama_model_chat_template")]
    public static partial byte* ModelChatTemplate(SafeLlamaModelHandle model, byte* name);

    [LibraryImport(Llama, EntryPoint = "llama_model_has_encoder")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ModelHasEncoder(SafeLlamaModelHandle model);

    // Vocabulary

    [LibraryImport(Llama, EntryPoint = "llama_vocab_n_tokens")]
    public static partial int VocabNTokens(IntPtr vocab);

    [LibraryImport(Llama, EntryPoint = "llama_vocab_bos")]
    public static partial int VocabBos(IntPtr vocab);

    [LibraryImport(Llama, EntryPoint = "llama_vocab_eos")]
    public static partial int VocabEos(IntPtr vocab);

    /// <summary>Returns a pointer owned by the vocabulary: never a marshalled string, which the marshaller would free.</summary>
    [LibraryImport(Llama, EntryPoint = "llama_vocab_get_text")]
    public static partial byte* VocabGetText(IntPtr vocab, int token);

    [LibraryImport(Llama, EntryPoint = "llama_vocab_is_eog")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool VocabIsEog(IntPtr vocab, int token);

    [LibraryImport(Llama, EntryPoint = "llama_tokenize")]
    public static partial int Tokenize(
        IntPtr vocab, byte* text, int textLength, int* tokens, int maxTokens,
        [MarshalAs(UnmanagedType.U1)] bool addSpecial, [MarshalAs(UnmanagedType.U1)] bool parseSpecial);

    [LibraryImport(Llama, EntryPoint = "llama_detokenize")]
    public static partial int Detokenize(
        IntPtr vocab, int* tokens, int count, byte* text, int maxLength,
        [MarshalAs(UnmanagedType.U1)] bool removeSpecial, [MarshalAs(UnmanagedType.U1)] bool unparseSpecial);

    [LibraryImport(Llama, EntryPoint = "llama_token_to_piece")]
    public static partial int TokenToPiece(
        IntPtr vocab, int token, byte* buffer, int length, int lstrip, [MarshalAs(UnmanagedType.U1)] bool special);

    [LibraryImport(Llama, EntryPoint = "llama_chat_apply_template")]
    public static partial int ChatApplyTemplate(
        byte* template, LlamaChatMessage* messages, nuint count, [MarshalAs(UnmanagedType.U1)] bool addAssistant, byte* buffer, int length);

    // Context

    [LibraryImport(Llama, EntryPoint = "llama_init_from_model")]
    public static partial IntPtr InitFromModel(SafeLlamaModelHandle model, LlamaContextParams parameters);

    [LibraryImport(Llama, EntryPoint = "llama_free")]
    public static partial void Free(IntPtr context);

    [LibraryImport(Llama, EntryPoint = "llama_n_ctx")]
    public static partial uint NCtx(SafeLlamaContextHandle context);

    [LibraryImport(Llama, EntryPoint = "llama_n_batch")]
    public static partial uint NBatch(SafeLlamaContextHandle context);

    [LibraryImport(Llama, EntryPoint = "llama_n_ubatch")]
    public static partial uint NUbatch(SafeLlamaContextHandle context);

    [LibraryImport(Llama, EntryPoint = "llama_batch_get_one")]
    public static partial LlamaBatch BatchGetOne(int* tokens, int count);

    [LibraryImport(Llama, EntryPoint = "llama_decode")]
    public static partial int Decode(SafeLlamaContextHandle context, LlamaBatch batch);

    [LibraryImport(Llama, EntryPoint = "llama_get_memory")]
    public static partial IntPtr GetMemory(SafeLlamaContextHandle context);

    [LibraryImport(Llama, EntryPoint = "llama_memory_clear")]
    public static partial void MemoryClear(IntPtr memory, [MarshalAs(UnmanagedType.U1)] bool data);

    [LibraryImport(Llama, EntryPoint = "llama_get_embeddings_seq")]
    public static partial float* GetEmbeddingsSeq(SafeLlamaContextHandle context, int sequence);

    [LibraryImport(Llama, EntryPoint = "llama_get_embeddings_ith")]
    public static partial float* GetEmbeddingsIth(SafeLlamaContextHandle context, int index);

    // Sampling

    [LibraryImport(Llama, EntryPoint = "llama_sampler_chain_init")]
    public static partial SafeLlamaSamplerHandle SamplerChainInit(LlamaSamplerChainParams parameters);

    /// <summary>Takes ownership of <paramref name="sampler"/>: the chain frees it.</summary>
    [LibraryImport(Llama, EntryPoint = "llama_sampler_chain_add")]
    public static partial void SamplerChainAdd(SafeLlamaSamplerHandle chain, IntPtr sampler);

    [LibraryImport(Llama, EntryPoint = "llama_sampler_init_greedy")]
    public static partial IntPtr SamplerInitGreedy();

    [LibraryImport(Llama, EntryPoint = "llama_sampler_init_dist")]
    public static partial IntPtr SamplerInitDist(uint seed);

    [LibraryImport(Llama, EntryPoint = "llama_sampler_init_top_k")]
    public static partial IntPtr SamplerInitTopK(int k);

    [LibraryImport(Llama, EntryPoint = "llama_sampler_init_top_p")]
    public static partial IntPtr SamplerInitTopP(float p, nuint minKeep);

    [LibraryImport(Llama, EntryPoint = "llama_sampler_init_min_p")]
    public static partial IntPtr SamplerInitMinP(float p, nuint minKeep);

    [LibraryImport(Llama, EntryPoint = "llama_sampler_init_temp")]
    public static partial IntPtr SamplerInitTemp(float temperature);

    /// <summary>This build takes the vocabulary size first (node-llama-cpp's llama.cpp fork), unlike upstream llama.h.</summary>
    [LibraryImport(Llama, EntryPoint = "llama_sampler_init_penalties")]
    public static partial IntPtr SamplerInitPenalties(int vocabularySize, int lastN, float repeat, float frequency, float presence);

    [LibraryImport(Llama, EntryPoint = "llama_sampler_sample")]
    public static partial int SamplerSample(SafeLlamaSamplerHandle chain, SafeLlamaContextHandle context, int index);

    [LibraryImport(Llama, EntryPoint = "llama_sampler_free")]
    public static partial void SamplerFree(IntPtr sampler);
}
