using System.Diagnostics;
using System.Text;

namespace AiStack.AppHost.Infrastructure;

/// <summary>
/// What a server process prints, kept (the last 32-64 kB, for start-up failure messages) and passed on line by line to
/// whoever listens (the AppHost's log prefixing and error detection).
/// </summary>
public sealed class ServerOutput
{
    private readonly StringBuilder _text = new();

    public event Action<string>? LineReceived;

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Starts reading the process's standard output and error into this buffer.</summary>
    public void Capture(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        LineReceived?.Invoke(line);
        lock (_text)
        {
            if (_text.Length > 64_000)
            {
                _text.Remove(0, 32_000);
            }

            _text.AppendLine(line);
        }
    }
}
