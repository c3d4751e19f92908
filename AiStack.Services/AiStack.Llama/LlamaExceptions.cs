namespace AiStack.Llama;

/// <summary>An error reported by llama.cpp (a failed load, decode or template).</summary>
public class LlamaException : Exception
{
    public LlamaException()
    {
    }

    public LlamaException(string message)
        : base(message)
    {
    }

    public LlamaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The local backend cannot run: llama.cpp cannot be loaded (libgomp1 missing, a bad Inference:NativeLibraryPath), no model
/// is configured, or the model file is missing or not loadable (the message names the path and the reason).
/// Callers report "local backend unavailable" with <see cref="Exception.Message"/> instead of crashing.
/// </summary>
public sealed class LlamaUnavailableException : LlamaException
{
    /// <summary>What the CPU build of llama.cpp needs from the system (OpenMP).</summary>
    public const string InstallCommand = "apt-get install libgomp1";

    public LlamaUnavailableException()
    {
    }

    public LlamaUnavailableException(string message)
        : base(message)
    {
    }

    public LlamaUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
