using System.Runtime.InteropServices;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace AiStack.Llama.Runtime;

/// <summary>
/// Loads llama.cpp through LLamaSharp once per process. LLamaSharp picks the best CPU build of LLamaSharp.Backend.Cpu
/// (avx512/avx2/avx/noavx under runtimes/linux-x64/native) unless Inference:NativeLibraryPath names another build (a CUDA
/// or Vulkan libllama.so the user compiled). The log callback is installed before the load, so even the loader's own lines
/// reach ILogger. A failed load is final for the process (a native library cannot be unloaded), so it is kept and rethrown.
/// </summary>
internal static class LlamaRuntime
{
    private const string LibraryFile = "libllama.so";
    private static readonly Lock Gate = new();
    private static bool _configured;
    private static string? _requestedPath;
    private static LlamaUnavailableException? _failure;

    /// <summary>What was loaded: the library's system info (CPU features, backends).</summary>
    public static string? SystemInfo { get; private set; }

    /// <exception cref="LlamaUnavailableException">The native library cannot be loaded; the message says why and what to do.</exception>
    public static void EnsureLoaded(string? nativeLibraryPath, ILoggerFactory loggerFactory)
    {
        LlamaLog.Attach(loggerFactory.CreateLogger("AiStack.Llama.Runtime"));
        lock (Gate)
        {
            if (!_configured)
            {
                _configured = true;
                _requestedPath = nativeLibraryPath;
                _failure = Load(nativeLibraryPath);
            }
            else if (!string.Equals(_requestedPath, nativeLibraryPath, StringComparison.Ordinal))
            {
                loggerFactory.CreateLogger("AiStack.Llama.Runtime").LogWarning(
                    "llama.cpp is already loaded from {Loaded}; Inference:NativeLibraryPath {Requested} takes effect only at the next start",
                    _requestedPath ?? "LLamaSharp.Backend.Cpu", nativeLibraryPath ?? "(default)");
            }

            if (_failure is not null)
            {
                throw _failure;
            }
        }
    }

    /// <summary>The libllama.so that <paramref name="nativeLibraryPath"/> (a file or a folder) names.</summary>
    internal static string ResolveLibrary(string nativeLibraryPath) =>
        Directory.Exists(nativeLibraryPath) ? Path.Combine(nativeLibraryPath, LibraryFile) : nativeLibraryPath;

    /// <summary>Why <paramref name="nativeLibraryPath"/> cannot be loaded, or null when it names a libllama.so.</summary>
    internal static string? CheckLibraryPath(string nativeLibraryPath) =>
        File.Exists(ResolveLibrary(nativeLibraryPath))
            ? null
            : $"Inference:NativeLibraryPath '{nativeLibraryPath}' holds no {LibraryFile}: point it at a llama.cpp build (a folder with {LibraryFile} and its libggml*.so, or the file itself), or unset it to use LLamaSharp.Backend.Cpu.";

    private static LlamaUnavailableException? Load(string? nativeLibraryPath)
    {
        try
        {
            var config = NativeLibraryConfig.All.WithLogCallback(LlamaLog.OnLog);
            if (!string.IsNullOrWhiteSpace(nativeLibraryPath))
            {
                if (CheckLibraryPath(nativeLibraryPath) is { } problem)
                {
                    return new LlamaUnavailableException(problem);
                }

                var library = ResolveLibrary(nativeLibraryPath);

                var mtmd = Path.Combine(Path.GetDirectoryName(library)!, "libmtmd.so");
                config.WithLibrary(library, File.Exists(mtmd) ? mtmd : null);
            }

            NativeApi.llama_empty_call();
            SystemInfo = Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info());
            return null;
        }
#pragma warning disable CA1031 // Every failure here means the same thing to callers: no local backend, with this reason.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var reason = (exception is TypeInitializationException { InnerException: { } inner } ? inner : exception).Message.Split('\n')[0].Trim();
            return new LlamaUnavailableException(
                $"llama.cpp could not be loaded ({reason}). The CPU build comes with LLamaSharp.Backend.Cpu and needs OpenMP: " +
                $"install it with '{LlamaUnavailableException.InstallCommand}'. For a GPU build set Inference:NativeLibraryPath to its {LibraryFile}.",
                exception);
        }
    }
}
