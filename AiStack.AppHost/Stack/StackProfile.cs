namespace AiStack.AppHost.Stack;

/// <summary>Which external servers the stack runs with.</summary>
public enum StackProfile
{
    /// <summary>No external servers: SQLite, in-process cache, embedded vector index.</summary>
    Embedded,

    /// <summary>PostgreSQL and Redis started from the machine's binaries (unless connection strings are given).</summary>
    Full,
}
