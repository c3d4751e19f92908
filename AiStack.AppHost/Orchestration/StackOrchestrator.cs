using System.Diagnostics;
using AiStack.AppHost.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiStack.AppHost.Orchestration;

/// <summary>
/// Starts the stack's resources in dependency order (each once what it waits for is ready, independent ones side by side), stops them
/// in reverse order, and restarts one or all on request. A resource that does not become ready fails the start-up: everything
/// started so far is stopped and the AppHost exits with code 1.
/// </summary>
public sealed class StackOrchestrator : BackgroundService
{
    private readonly IReadOnlyList<ResourceSupervisor> _supervisors;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StackOrchestrator> _logger;
    private readonly SemaphoreSlim _wholeStack = new(1, 1);
    private volatile bool _startupCompleted;

    public StackOrchestrator(IReadOnlyList<ResourceSupervisor> supervisors, IHostApplicationLifetime lifetime, ILogger<StackOrchestrator> logger)
    {
        _supervisors = supervisors;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>Supervisors in dependency order.</summary>
    public IReadOnlyList<ResourceSupervisor> Supervisors => _supervisors;

    public bool StartupCompleted => _startupCompleted;

    /// <summary>How long the last start of the whole stack took, launch to all-ready.</summary>
    public TimeSpan? StartupDuration { get; private set; }

    public ResourceSupervisor? Find(string name) => _supervisors.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _wholeStack.WaitAsync(stoppingToken);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            await StartAllAsync(stoppingToken);
            StartupDuration = stopwatch.Elapsed;
            _startupCompleted = true;
            _logger.LogInformation("All {Count} resources ready in {Seconds:0.00} s", _supervisors.Count, stopwatch.Elapsed.TotalSeconds);
        }
        catch (ResourceStartException ex)
        {
            // Written whole to stderr: the single-line log format would fold the resource's last lines into one.
            await Console.Error.WriteLineAsync($"Start-up failed. {ex.Message}");
            _logger.LogError("Start-up failed: {Resource} did not start; stopping everything", ex.Resource);
            Environment.ExitCode = 1;
            _lifetime.StopApplication();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Ctrl+C during start-up: StopAsync stops what was started.
        }
        finally
        {
            _wholeStack.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Cancels a start-up still in progress (and waits for ExecuteAsync to give up) before anything is stopped.
        await base.StopAsync(cancellationToken);
        await StopAllAsync();
        _logger.LogInformation("Stopped all resources");
    }

    /// <summary>Restarts every resource: stop in reverse dependency order, start in dependency order.</summary>
    public async Task RestartAllAsync(CancellationToken cancellationToken)
    {
        await _wholeStack.WaitAsync(cancellationToken);
        try
        {
            await StopAllAsync();
            await StartAllAsync(cancellationToken);
        }
        finally
        {
            _wholeStack.Release();
        }
    }

    private async Task StartAllAsync(CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = new Dictionary<string, Task>(StringComparer.Ordinal);
        foreach (var supervisor in _supervisors)
        {
            supervisor.MarkPending();
        }

        foreach (var supervisor in _supervisors)
        {
            var dependencies = supervisor.Resource.WaitsFor.Where(r => started.ContainsKey(r.Name)).Select(r => started[r.Name]).ToArray();
            started[supervisor.Name] = StartAfterAsync(supervisor, dependencies, failed);
        }

        try
        {
            await Task.WhenAll(started.Values);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Another resource failed first; report that one.
        }

        var failure = started.Values.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException).OfType<ResourceStartException>().FirstOrDefault();
        if (failure is not null)
        {
            throw failure;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private static async Task StartAfterAsync(ResourceSupervisor supervisor, Task[] dependencies, CancellationTokenSource failed)
    {
        await Task.WhenAll(dependencies).WaitAsync(failed.Token);
        try
        {
            await supervisor.StartAsync(failed.Token);
        }
        catch (ResourceStartException)
        {
            // Stop starting the rest: the stack cannot come up as declared.
            await failed.CancelAsync();
            throw;
        }
    }

    private async Task StopAllAsync()
    {
        foreach (var supervisor in _supervisors.Reverse())
        {
            try
            {
                await supervisor.StopAsync();
            }
            catch (InvalidOperationException ex)
            {
                _logger.LogError(ex, "Could not stop {Resource}", supervisor.Name);
            }
        }
    }
}
