using System.Globalization;
using System.Runtime.InteropServices;

namespace AiStack.Llama.Native;

/// <summary>
/// Guards against running this binding on a llama.cpp build whose struct layouts differ from the ones declared in
/// <see cref="NativeStructs"/>: a mismatch would silently pass garbage parameters (or corrupt the stack), so we refuse to run.
/// </summary>
internal static class LlamaAbiCheck
{
    /// <summary>The facts of llama.cpp 0ad4a86 as shipped in @node-llama-cpp/linux-x64 3.22.1.</summary>
    public static IReadOnlyDictionary<string, double> Expected { get; } = new Dictionary<string, double>
    {
        ["sizeof(llama_model_params)"] = 80,
        ["sizeof(llama_context_params)"] = 160,
        ["sizeof(llama_batch)"] = 56,
        ["llama_model_params.n_gpu_layers"] = -1,
        ["llama_model_params.split_mode"] = 1,
        ["llama_model_params.load_mode"] = -1,
        ["llama_model_params.lazy_mode"] = 1,
        ["llama_model_params.main_gpu"] = 0,
        ["llama_model_params.vocab_only"] = 0,
        ["llama_model_params.check_tensors"] = 0,
        ["llama_model_params.use_extra_bufts"] = 1,
        ["llama_model_params.no_host"] = 0,
        ["llama_model_params.no_alloc"] = 0,
        ["llama_model_params.load_mtp"] = 0,
        ["llama_context_params.n_ctx"] = 512,
        ["llama_context_params.n_batch"] = 2048,
        ["llama_context_params.n_ubatch"] = 512,
        ["llama_context_params.n_seq_max"] = 1,
        ["llama_context_params.n_rs_seq"] = 0,
        ["llama_context_params.n_outputs_max"] = 0,
        ["llama_context_params.n_outputs_max_per_seq"] = 1,
        ["llama_context_params.n_threads"] = 4,
        ["llama_context_params.n_threads_batch"] = 4,
        ["llama_context_params.rope_scaling_type"] = -1,
        ["llama_context_params.pooling_type"] = -1,
        ["llama_context_params.attention_type"] = -1,
        ["llama_context_params.flash_attn_type"] = -1,
        ["llama_context_params.rope_freq_base"] = 0,
        ["llama_context_params.rope_freq_scale"] = 0,
        ["llama_context_params.yarn_ext_factor"] = -1,
        ["llama_context_params.yarn_attn_factor"] = -1,
        ["llama_context_params.yarn_beta_fast"] = -1,
        ["llama_context_params.yarn_beta_slow"] = -1,
        ["llama_context_params.yarn_orig_ctx"] = 0,
        ["llama_context_params.defrag_thold"] = -1,
        ["llama_context_params.type_k"] = 1,
        ["llama_context_params.type_v"] = 1,
        ["llama_context_params.embeddings"] = 0,
        ["llama_context_params.offload_kqv"] = 1,
        ["llama_context_params.no_perf"] = 1,
        ["llama_context_params.op_offload"] = 1,
        ["llama_context_params.swa_full"] = 1,
        ["llama_context_params.kv_unified"] = 0,
        ["llama_context_params.samplers"] = 0,
        ["llama_context_params.n_samplers"] = 0,
        ["llama_context_params.ctx_other"] = 0,
    };

    /// <summary>One line per fact that differs (or is missing), "name: expected X, found Y". Empty when they agree.</summary>
    public static IReadOnlyList<string> FindMismatches(IReadOnlyDictionary<string, double> expected, IReadOnlyDictionary<string, double> actual)
    {
        var mismatches = new List<string>();
        foreach (var (name, value) in expected)
        {
            if (!actual.TryGetValue(name, out var found))
            {
                mismatches.Add($"{name}: expected {Format(value)}, not measured");
            }
            else if (!found.Equals(value))
            {
                mismatches.Add($"{name}: expected {Format(value)}, found {Format(found)}");
            }
        }

        return mismatches;
    }

    /// <summary>Throws <see cref="LlamaUnavailableException"/> naming every mismatch.</summary>
    public static void Verify(IReadOnlyDictionary<string, double> expected, IReadOnlyDictionary<string, double> actual, string libraryDirectory)
    {
        var mismatches = FindMismatches(expected, actual);
        if (mismatches.Count > 0)
        {
            throw new LlamaUnavailableException(
                $"The llama.cpp libraries in {libraryDirectory} do not match the layout this binding was written for " +
                $"(@node-llama-cpp/linux-x64 3.22.1, llama.cpp 0ad4a86): {string.Join("; ", mismatches)}. " +
                $"Run {LlamaUnavailableException.FetchCommand} to install the pinned build, or point Inference:NativeLibraryPath at a build of the same version.");
        }
    }

    /// <summary>
    /// Measures the loaded library: the size of each struct it returns by value and the defaults in it. The functions are
    /// called through a hidden return pointer (System V x86-64) into an oversized buffer prefilled with two different
    /// sentinels, so a bigger native struct is detected instead of overwriting our stack.
    /// </summary>
    public static unsafe Dictionary<string, double> Measure(IntPtr llamaLibrary)
    {
        var facts = new Dictionary<string, double>();
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return facts;
        }

        var modelDefaults = (delegate* unmanaged<byte*, byte*>)NativeLibrary.GetExport(llamaLibrary, "llama_model_default_params");
        var contextDefaults = (delegate* unmanaged<byte*, byte*>)NativeLibrary.GetExport(llamaLibrary, "llama_context_default_params");
        var batchGetOne = (delegate* unmanaged<byte*, int*, int, byte*>)NativeLibrary.GetExport(llamaLibrary, "llama_batch_get_one");

        var model = MeasureReturn(buffer => modelDefaults(buffer), out var modelBytes);
        facts["sizeof(llama_model_params)"] = model;
        var context = MeasureReturn(buffer => contextDefaults(buffer), out var contextBytes);
        facts["sizeof(llama_context_params)"] = context;
        var token = stackalloc int[1];
        facts["sizeof(llama_batch)"] = MeasureReturn(buffer => batchGetOne(buffer, token, 1), out _);

        if (model == sizeof(LlamaModelParams))
        {
            var m = MemoryMarshal.Read<LlamaModelParams>(modelBytes);
            facts["llama_model_params.n_gpu_layers"] = m.NGpuLayers;
            facts["llama_model_params.split_mode"] = m.SplitMode;
            facts["llama_model_params.load_mode"] = m.LoadMode;
            facts["llama_model_params.lazy_mode"] = m.LazyMode;
            facts["llama_model_params.main_gpu"] = m.MainGpu;
            facts["llama_model_params.vocab_only"] = m.VocabOnly;
            facts["llama_model_params.check_tensors"] = m.CheckTensors;
            facts["llama_model_params.use_extra_bufts"] = m.UseExtraBufts;
            facts["llama_model_params.no_host"] = m.NoHost;
            facts["llama_model_params.no_alloc"] = m.NoAlloc;
            facts["llama_model_params.load_mtp"] = m.LoadMtp;
        }

        if (context == sizeof(LlamaContextParams))
        {
            var c = MemoryMarshal.Read<LlamaContextParams>(contextBytes);
            facts["llama_context_params.n_ctx"] = c.NCtx;
            facts["llama_context_params.n_batch"] = c.NBatch;
            facts["llama_context_params.n_ubatch"] = c.NUbatch;
            facts["llama_context_params.n_seq_max"] = c.NSeqMax;
            facts["llama_context_params.n_rs_seq"] = c.NRsSeq;
            facts["llama_context_params.n_outputs_max"] = c.NOutputsMax;
            facts["llama_context_params.n_outputs_max_per_seq"] = c.NOutputsMaxPerSeq;
            facts["llama_context_params.n_threads"] = c.NThreads;
            facts["llama_context_params.n_threads_batch"] = c.NThreadsBatch;
            facts["llama_context_params.rope_scaling_type"] = c.RopeScalingType;
            facts["llama_context_params.pooling_type"] = c.PoolingType;
            facts["llama_context_params.attention_type"] = c.AttentionType;
            facts["llama_context_params.flash_attn_type"] = c.FlashAttnType;
            facts["llama_context_params.rope_freq_base"] = c.RopeFreqBase;
            facts["llama_context_params.rope_freq_scale"] = c.RopeFreqScale;
            facts["llama_context_params.yarn_ext_factor"] = c.YarnExtFactor;
            facts["llama_context_params.yarn_attn_factor"] = c.YarnAttnFactor;
            facts["llama_context_params.yarn_beta_fast"] = c.YarnBetaFast;
            facts["llama_context_params.yarn_beta_slow"] = c.YarnBetaSlow;
            facts["llama_context_params.yarn_orig_ctx"] = c.YarnOrigCtx;
            facts["llama_context_params.defrag_thold"] = c.DefragThold;
            facts["llama_context_params.type_k"] = c.TypeK;
            facts["llama_context_params.type_v"] = c.TypeV;
            facts["llama_context_params.embeddings"] = c.Embeddings;
            facts["llama_context_params.offload_kqv"] = c.OffloadKqv;
            facts["llama_context_params.no_perf"] = c.NoPerf;
            facts["llama_context_params.op_offload"] = c.OpOffload;
            facts["llama_context_params.swa_full"] = c.SwaFull;
            facts["llama_context_params.kv_unified"] = c.KvUnified;
            facts["llama_context_params.samplers"] = c.Samplers.ToInt64();
            facts["llama_context_params.n_samplers"] = c.NSamplers;
            facts["llama_context_params.ctx_other"] = c.CtxOther.ToInt64();
        }

        return facts;
    }

    private unsafe delegate void ReturnInto(byte* buffer);

    private static unsafe int MeasureReturn(ReturnInto call, out byte[] firstRun)
    {
        const int capacity = 1024;
        var a = new byte[capacity];
        var b = new byte[capacity];
        Array.Fill(a, (byte)0xA5);
        Array.Fill(b, (byte)0x5A);
        fixed (byte* pa = a)
        {
            call(pa);
        }

        fixed (byte* pb = b)
        {
            call(pb);
        }

        // A byte is written when it differs from its sentinel in at least one run; trailing padding may stay untouched,
        // so round the extent up to the struct alignment (8: every one of these structs holds pointers).
        var extent = 0;
        for (var i = capacity - 1; i >= 0; i--)
        {
            if (a[i] != 0xA5 || b[i] != 0x5A)
            {
                extent = i + 1;
                break;
            }
        }

        firstRun = a;
        return (extent + 7) / 8 * 8;
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
