using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Llama.Native;

/// <summary>
/// Finds, loads and initialises the native llama.cpp libraries once per process: resolver for the versioned file names,
/// ggml backends, ABI check, llama_backend_init and the log hook. Every entry point into the native layer calls
/// <see cref="EnsureLoaded"/> first.
/// </summary>
public static class LlamaLibrary
{
    /// <summary>The folder under the repository root where scripts/fetch-llama.sh installs the libraries.</summary>
    public const string RepositoryFolder = ".native/llama/linux-x64";

    private static readonly Lock Gate = new();
    private static string? _directory;
    private static LlamaUnavailableException? _failure;
    private static IntPtr _llama;
    private static IntPtr _ggml;
    private static IntPtr _ggmlBase;

    /// <summary>The folder the libraries were loaded from, once loaded.</summary>
    public static string? LoadedDirectory => _directory;

    /// <summary>
    /// Loads the libraries (first call only; later calls return the first outcome). Order: <paramref name="configuredDirectory"/>
    /// (Inference:NativeLibraryPath), the application folder (and its runtimes/linux-x64/native), then
    /// .native/llama/linux-x64 found by walking up from the application folder.
    /// </summary>
    /// <exception cref="LlamaUnavailableException">Libraries missing, not loadable, or of another build.</exception>
    public static void EnsureLoaded(string? configuredDirectory = null, ILoggerFactory? loggerFactory = null)
    {
        if (loggerFactory is not null)
        {
            LlamaLog.Attach(loggerFactory.CreateLogger("AiStack.Llama.Native"));
        }

        lock (Gate)
        {
            if (_failure is not null)
            {
                throw _failure;
            }

            if (_directory is not null)
            {
                return;
            }

            try
            {
                Load(configuredDirectory);
            }
            catch (LlamaUnavailableException exception)
            {
                _failure = exception;
                throw;
            }
        }
    }

    /// <summary>Where the libraries would be loaded from, or null when none of the candidate folders has them.</summary>
    public static string? FindDirectory(string? configuredDirectory, string baseDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configuredDirectory))
        {
            return HasLibraries(configuredDirectory) ? Path.GetFullPath(configuredDirectory) : null;
        }

        foreach (var candidate in new[] { baseDirectory, Path.Combine(baseDirectory, "runtimes", "linux-x64", "native") })
        {
            if (HasLibraries(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        for (var directory = new DirectoryInfo(baseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RepositoryFolder);
            if (HasLibraries(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The message given when no libraries are found.</summary>
    public static string MissingMessage(string? configuredDirectory, string baseDirectory) =>
        string.IsNullOrWhiteSpace(configuredDirectory)
            ? $"The llama.cpp native libraries (libllama*.so, libggml*.so) were not found beside the application ({baseDirectory}) " +
              $"nor in {RepositoryFolder} above it. Run {LlamaUnavailableException.FetchCommand} from the repository root " +
              "and rebuild, or set Inference:NativeLibraryPath (env Inference__NativeLibraryPath) to a folder that holds them."
            : $"Inference:NativeLibraryPath is '{configuredDirectory}', but that folder holds no llama.cpp libraries (libllama*.so, libggml-base.so, libggml*.so). " +
              $"Run {LlamaUnavailableException.FetchCommand} and point the setting at .native/llama/linux-x64, or at a CUDA build of the same version.";

    /// <summary>The folder to load from, or a <see cref="LlamaUnavailableException"/> naming scripts/fetch-llama.sh.</summary>
    public static string Locate(string? configuredDirectory, string baseDirectory) =>
        FindDirectory(configuredDirectory, baseDirectory)
        ?? throw new LlamaUnavailableException(MissingMessage(configuredDirectory, baseDirectory));

    /// <summary>The ABI facts of the loaded library (see <see cref="LlamaAbiCheck.Measure"/>).</summary>
    internal static Dictionary<string, double> MeasureLoadedAbi()
    {
        EnsureLoaded();
        return LlamaAbiCheck.Measure(_llama);
    }

    private static void Load(string? configuredDirectory)
    {
        var directory = Locate(configuredDirectory, AppContext.BaseDirectory);

        try
        {
            // Dependencies first, so libllama's DT_NEEDED entries resolve to these exact files.
            _ggmlBase = NativeLibrary.Load(FindFile(directory, "libggml-base")!);
            _ggml = NativeLibrary.Load(FindFile(directory, "libggml")!);
            _llama = NativeLibrary.Load(FindFile(directory, "libllama")!);
        }
        catch (DllNotFoundException exception)
        {
            throw new LlamaUnavailableException(
                $"The llama.cpp libraries in {directory} could not be loaded ({exception.Message}). They need glibc 2.34+ and libstdc++; " +
                $"run {LlamaUnavailableException.FetchCommand} again to reinstall them.",
                exception);
        }

        LlamaAbiCheck.Verify(LlamaAbiCheck.Expected, LlamaAbiCheck.Measure(_llama), directory);

        NativeLibrary.SetDllImportResolver(typeof(LlamaLibrary).Assembly, Resolve);
        _directory = directory;
        LlamaLog.Install();
        LlamaNative.GgmlBackendLoadAllFromPath(directory);
        LlamaNative.BackendInit();
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        LlamaNative.Llama => _llama,
        LlamaNative.Ggml => _ggml,
        "ggml-base" => _ggmlBase,
        _ => IntPtr.Zero,
    };

    private static bool HasLibraries(string directory) =>
        Directory.Exists(directory)
        && FindFile(directory, "libllama") is not null
        && FindFile(directory, "libggml") is not null
        && FindFile(directory, "libggml-base") is not null;

    /// <summary>libNAME.so or a versioned libNAME.vX.Y.Z.so (the npm builds), never libNAME-something.so.</summary>
    private static string? FindFile(string directory, string stem)
    {
        var plain = Path.Combine(directory, stem + ".so");
        if (File.Exists(plain))
        {
            return plain;
        }

        return Directory.EnumerateFiles(directory, stem + ".v*.so").Order(StringComparer.Ordinal).LastOrDefault();
    }
}
