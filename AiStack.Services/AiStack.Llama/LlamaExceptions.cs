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
/// The local backend cannot run: the native libraries are missing or do not match this binding, or no model is configured.
/// Callers report "local backend unavailable" with <see cref="Exception.Message"/> instead of crashing.
/// </summary>
public sealed class LlamaUnavailableException : LlamaException
{
    public const string FetchCommand = "scripts/fetch-llama.sh";

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
