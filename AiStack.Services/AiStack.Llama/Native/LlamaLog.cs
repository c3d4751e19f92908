using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiStack.Llama.Native;

/// <summary>Routes llama.cpp / ggml log lines into ILogger; partial lines and level-5 continuations are joined.</summary>
internal static unsafe class LlamaLog
{
    private const int Continuation = 5;
    private static readonly Lock Gate = new();
    private static readonly System.Text.StringBuilder Pending = new();
    private static ILogger _logger = NullLogger.Instance;
    private static int _pendingLevel = 2;
    private static bool _installed;

    public static void Attach(ILogger logger) => _logger = logger;

    public static void Install()
    {
        if (!_installed)
        {
            LlamaNative.LogSet(&OnLog, IntPtr.Zero);
            _installed = true;
        }
    }

    /// <summary>Joins fragments into whole lines; returns the completed lines with their level.</summary>
    internal static List<(int Level, string Line)> Append(int level, string text)
    {
        var lines = new List<(int, string)>();
        lock (Gate)
        {
            if (level != Continuation)
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

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static void OnLog(int level, byte* text, IntPtr userData)
    {
        try
        {
            var message = Marshal.PtrToStringUTF8((IntPtr)text) ?? string.Empty;
            foreach (var (lineLevel, line) in Append(level, message))
            {
                var logLevel = lineLevel switch
                {
                    1 => LogLevel.Trace,
                    2 => LogLevel.Debug,
                    3 => LogLevel.Warning,
                    4 => LogLevel.Error,
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
}
