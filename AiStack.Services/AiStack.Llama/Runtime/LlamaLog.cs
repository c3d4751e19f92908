using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Llama.Runtime;

/// <summary>
/// Routes llama.cpp / ggml log lines into ILogger (category AiStack.Llama.Runtime). llama.cpp writes fragments and
/// "continue" pieces (a progress line of dots); they are joined into whole lines so each log entry is one line.
/// </summary>
internal static class LlamaLog
{
    private static readonly Lock Gate = new();
    private static readonly System.Text.StringBuilder Pending = new();
    private static ILogger _logger = NullLogger.Instance;
    private static LLamaLogLevel _pendingLevel = LLamaLogLevel.Info;

    public static void Attach(ILogger logger) => _logger = logger;

    /// <summary>The callback handed to LLamaSharp before the library loads; never throws into native code.</summary>
    public static void OnLog(LLamaLogLevel level, string message)
    {
        try
        {
            foreach (var (lineLevel, line) in Append(level, message))
            {
                var logLevel = lineLevel switch
                {
                    LLamaLogLevel.Debug => LogLevel.Trace,
                    LLamaLogLevel.Info => LogLevel.Debug,
                    LLamaLogLevel.Warning => LogLevel.Warning,
                    LLamaLogLevel.Error => LogLevel.Error,
                    _ => LogLevel.Debug,
                };
                if (_logger.IsEnabled(logLevel))
                {
                    _logger.Log(logLevel, "llama.cpp: {Line}", line);
                }
            }
        }
#pragma warning disable CA1031 // An exception must never unwind into native code.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Joins fragments into whole lines; returns the completed lines with their level.</summary>
    internal static List<(LLamaLogLevel Level, string Line)> Append(LLamaLogLevel level, string text)
    {
        var lines = new List<(LLamaLogLevel, string)>();
        lock (Gate)
        {
            if (level != LLamaLogLevel.Continue)
            {
                if (Pending.Length > 0 && level != _pendingLevel)
                {
                    lines.Add((_pendingLevel, Pending.ToString()));
                    Pending.Clear();
                }

                _pendingLevel = level;
            }

            Pending.Append(text);
            var content = Pending.ToString();
            var lastNewline = content.LastIndexOf('\n');
            if (lastNewline >= 0)
            {
                foreach (var line in content[..lastNewline].Split('\n'))
                {
                    if (line.Trim().Length > 0)
                    {
                        lines.Add((_pendingLevel, line.TrimEnd()));
                    }
                }

                Pending.Clear();
                Pending.Append(content[(lastNewline + 1)..]);
            }
        }

        return lines;
    }
}
