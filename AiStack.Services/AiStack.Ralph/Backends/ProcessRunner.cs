using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace AiStack.Ralph.Backends;

public sealed record ProcessOutcome(int ExitCode, string StandardOutput, string StandardError, bool TimedOut, TimeSpan Duration);

/// <summary>
/// Runs a program with an argument list (no shell, so nothing in an argument is ever interpreted), optionally feeding standard
/// input; on timeout or cancellation the whole process tree is killed. The program gets exactly <c>environment</c>, nothing of
/// Ralph's own (see <see cref="Commands.ChildEnvironment"/>).
/// </summary>
public static class ProcessRunner
{
    public static async Task<ProcessOutcome> RunAsync(string executable, IEnumerable<string> arguments, string workingDirectory, string? standardInput,
        TimeSpan timeout, int maxOutputChars, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        ArgumentNullException.ThrowIfNull(environment);
        info.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new ProcessOutcome(127, "", $"cannot start '{executable}': {e.Message}", false, stopwatch.Elapsed);
        }

        var stdout = new TailBuffer(maxOutputChars);
        var stderr = new TailBuffer(maxOutputChars);
        var readOut = PumpAsync(process.StandardOutput, stdout);
        var readErr = PumpAsync(process.StandardError, stderr);
        // Fed in the background: a program that never reads a large input must still meet its timeout.
        var feed = FeedAsync(process.StandardInput, standardInput);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        // Children that outlive the program may keep the pipes open; give the readers a moment, not forever.
        await Task.WhenAny(Task.WhenAll(readOut, readErr, feed), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        cancellationToken.ThrowIfCancellationRequested();
        var exitCode = timedOut ? BackendResult.TimeoutExitCode : process.ExitCode;
        var error = stderr.ToString();
        if (timedOut)
        {
            error = $"timed out after {timeout.TotalSeconds:0.###} s; process tree killed\n{error}";
        }

        return new ProcessOutcome(exitCode, stdout.ToString(), error, timedOut, stopwatch.Elapsed);
    }

    private static async Task FeedAsync(StreamWriter input, string? text)
    {
        try
        {
            if (text is not null)
            {
                await input.WriteAsync(text.AsMemory(), CancellationToken.None);
                await input.FlushAsync(CancellationToken.None);
            }
        }
        catch (IOException)
        {
            // The program closed its input or exited without reading it; that is its business.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            try
            {
                input.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static async Task PumpAsync(StreamReader reader, TailBuffer buffer)
    {
        var chunk = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(chunk.AsMemory(), CancellationToken.None)) > 0)
        {
            buffer.Append(chunk.AsSpan(0, read));
        }
    }

    /// <summary>Keeps the last characters of a stream, so a chatty agent cannot fill the memory.</summary>
    private sealed class TailBuffer(int capacity)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _gate = new();
        private bool _cut;

        public void Append(ReadOnlySpan<char> chunk)
        {
            lock (_gate)
            {
                _text.Append(chunk);
                if (_text.Length > capacity * 2)
                {
                    _text.Remove(0, _text.Length - capacity);
                    _cut = true;
                }
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                if (_text.Length > capacity)
                {
                    _text.Remove(0, _text.Length - capacity);
                    _cut = true;
                }

                return _cut ? "[...output cut...]\n" + _text : _text.ToString();
            }
        }
    }
}
