using System.Diagnostics;

namespace AiStack.Tests.Infrastructure;

/// <summary>
/// Keeps every core busy while a test runs: one busy-looping shell per core, in its own process group, at normal priority, stopped
/// (SIGKILL to the group) when disposed. Crash-safety tests run under it to prove they do not depend on an idle machine.
/// </summary>
public sealed class CpuBurner : IDisposable
{
    private readonly List<Process> _burners;

    private CpuBurner(List<Process> burners) => _burners = burners;

    public int Processes => _burners.Count;

    public static CpuBurner Start(int? processes = null)
    {
        var burners = new List<Process>();
        for (var i = 0; i < (processes ?? Environment.ProcessorCount); i++)
        {
            var info = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "sh", "-c", "while :; do :; done" })
            {
                info.ArgumentList.Add(argument);
            }

            burners.Add(Process.Start(info) ?? throw new InvalidOperationException("Could not start a CPU burner (setsid sh)."));
        }

        return new CpuBurner(burners);
    }

    public void Dispose()
    {
        foreach (var burner in _burners)
        {
            try
            {
                burner.Kill(entireProcessTree: true);
                burner.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            burner.Dispose();
        }
    }
}
