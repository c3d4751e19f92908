using AiStack.AppHost.Infrastructure;

namespace AiStack.AppHost.Model;

/// <summary>
/// A server the stack runs from the machine's own binaries in the full profile, or an existing server the user points at with
/// <c>ConnectionStrings__{name}</c> (then nothing is started, in any profile, and the string is passed through unchanged).
/// </summary>
public abstract class ExecutableResource : Resource, IResourceWithConnectionString, IResourceWithPort
{
    protected ExecutableResource(string name, int port, string? externalConnectionString)
        : base(name)
    {
        Port = port;
        ExternalConnectionString = string.IsNullOrWhiteSpace(externalConnectionString) ? null : externalConnectionString;
    }

    public override string Kind => "executable";

    public int Port { get; }

    /// <summary>The user's own server, when given.</summary>
    public string? ExternalConnectionString { get; }

    /// <summary>Where the server keeps its data: <c>.aistack/{name}</c>.</summary>
    public string DataDirectory(StackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Path.Combine(context.Home, Name);
    }

    public override bool IsEnabled(StackContext context) =>
        ExternalConnectionString is not null || (context.Profile == StackProfile.Full && base.IsEnabled(context));

    public override bool IsRunnable(StackContext context) => ExternalConnectionString is null && IsEnabled(context);

    public string? ConnectionStringFor(Resource consumer, StackContext context) =>
        !IsEnabled(context) ? null : ExternalConnectionString ?? LocalConnectionString(consumer, context);

    protected abstract string LocalConnectionString(Resource consumer, StackContext context);
}

/// <summary>PostgreSQL: every service that references it gets a database of its own, named after the service.</summary>
public sealed class PostgresServerResource : ExecutableResource
{
    private readonly List<string> _databases = [];

    public PostgresServerResource(string name, int port, string? externalConnectionString)
        : base(name, port, externalConnectionString)
    {
    }

    /// <summary>Databases created (if missing) once the server accepts connections, before any service waits on it.</summary>
    public IReadOnlyList<string> Databases => _databases;

    internal void AddDatabase(string database)
    {
        if (!_databases.Contains(database))
        {
            _databases.Add(database);
        }
    }

    public static string DatabaseNameFor(Resource consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        return consumer.Name.Replace('-', '_');
    }

    protected override string LocalConnectionString(Resource consumer, StackContext context) =>
        new LocalPostgres(DataDirectory(context), Port).ConnectionString(DatabaseNameFor(consumer));
}

/// <summary>Redis: one server shared by the services (keys are prefixed by each service).</summary>
public sealed class RedisServerResource : ExecutableResource
{
    public RedisServerResource(string name, int port, string? externalConnectionString)
        : base(name, port, externalConnectionString)
    {
    }

    protected override string LocalConnectionString(Resource consumer, StackContext context) =>
        new LocalRedis(DataDirectory(context), Port).ConnectionString;
}

/// <summary>
/// A server the stack never starts (Qdrant): it exists in this run only when the user gives <c>ConnectionStrings__{name}</c>,
/// and the string is passed through to whoever references it.
/// </summary>
public sealed class ConnectionStringResource : Resource, IResourceWithConnectionString
{
    public ConnectionStringResource(string name, string? connectionString)
        : base(name)
    {
        ConnectionString = string.IsNullOrWhiteSpace(connectionString) ? null : connectionString;
    }

    public override string Kind => "connection-string";

    public string? ConnectionString { get; }

    public override bool IsEnabled(StackContext context) => ConnectionString is not null;

    public override bool IsRunnable(StackContext context) => false;

    public string? ConnectionStringFor(Resource consumer, StackContext context) => IsEnabled(context) ? ConnectionString : null;
}
