namespace AiStack.Ralph.Loop;

/// <summary>Wakes an idle loop when a task is submitted to this replica (other replicas find it at their next poll).</summary>
public sealed class LoopSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => await _signal.WaitAsync(timeout, cancellationToken);
}
