namespace AiStack.Learning.Processing;

/// <summary>Thrown inside a batch transaction when this replica no longer holds the pipeline lease: the batch rolls back.</summary>
public sealed class LeaseLostException : Exception
{
    public LeaseLostException()
        : base("Another replica holds the learning pipeline lease.")
    {
    }

    public LeaseLostException(string message)
        : base(message)
    {
    }

    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
