namespace AiStack.AppHost.Stack;

/// <summary>The stack cannot start as configured; the message says what to change.</summary>
public sealed class StackConfigurationException : Exception
{
    public StackConfigurationException(string message)
        : base(message)
    {
    }

    public StackConfigurationException()
    {
    }

    public StackConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
