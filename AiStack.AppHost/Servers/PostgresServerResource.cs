using System.Globalization;

namespace AiStack.AppHost.Servers;

/// <summary>
/// PostgreSQL run from the machine's own binaries (full profile), as an Aspire executable resource with a connection string.
/// Each service gets a database of its own through a <see cref="PostgresDatabaseResource"/> child.
/// </summary>
public sealed class PostgresServerResource(string name, string command, string workingDirectory, int port, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    private readonly List<string> _databases = [];

    public int Port { get; } = port;

    public ParameterResource Password { get; } = password;

    /// <summary>The databases the health check creates (when missing) before it reports the server healthy.</summary>
    public IReadOnlyList<string> Databases => _databases;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Password={Password}");

    internal void AddDatabase(string database)
    {
        if (!_databases.Contains(database))
        {
            _databases.Add(database);
        }
    }
}

/// <summary>
/// One service's database on a <see cref="PostgresServerResource"/>, reached as the service's own role (same name as the database,
/// its password a secret parameter): a service can neither read another's database nor act as the superuser.
/// </summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent, ParameterResource rolePassword)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Parent { get; } = parent;

    public ParameterResource RolePassword { get; } = rolePassword;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Parent.Port.ToString(CultureInfo.InvariantCulture)};Username={DatabaseName};Password={RolePassword};Database={DatabaseName}");
}

/// <summary>Redis run from the machine's own redis-server (full profile), with its password in a configuration file beside its data.</summary>
public sealed class RedisServerResource(string name, string command, string workingDirectory, int port, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public int Port { get; } = port;

    public ParameterResource Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},password={Password},abortConnect=false,connectTimeout=3000,syncTimeout=3000");
}

/// <summary>
/// Redis in the published manifest (a container the cluster runs), with the same connection string shape as the local server.
/// Declared here rather than with Aspire.Hosting.Redis, whose StackExchange.Redis 2.x would clash with the services' client.
/// </summary>
public sealed class RedisContainerResource(string name, ParameterResource password) : ContainerResource(name), IResourceWithConnectionString
{
    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)},password={Password},abortConnect=false");
}

/// <summary>Qdrant in the published manifest; its connection string is its REST endpoint, as the KnowledgeBase reads it.</summary>
public sealed class QdrantContainerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, "http");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.Url)}");
}
