namespace AiStack.ServiceDefaults.Hosting;

public enum StartupPhase
{
    WaitingForDependencies,
    Completed,
    Failed,
}

/// <summary>Where start-up stands; <c>/health/startup</c> and <c>/health/ready</c> report it.</summary>
public sealed class StartupState
{
    private volatile StartupPhase _phase = StartupPhase.WaitingForDependencies;
    private volatile string _message = "Waiting for critical dependencies.";

    public StartupPhase Phase => _phase;

    public string Message => _message;

    internal void Waiting(string message) => _message = message;

    internal void Complete(string message)
    {
        _message = message;
        _phase = StartupPhase.Completed;
    }

    internal void Fail(string message)
    {
        _message = message;
        _phase = StartupPhase.Failed;
    }
}
