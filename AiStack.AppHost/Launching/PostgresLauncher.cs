using AiStack.AppHost.Infrastructure;
using AiStack.AppHost.Logs;
using AiStack.AppHost.Model;
using Npgsql;

namespace AiStack.AppHost.Launching;

/// <summary>
/// Runs PostgreSQL through <see cref="LocalPostgres"/> with its data under <c>.aistack/{name}</c>; ready once it accepts connections
/// and every service's database exists.
/// </summary>
public sealed class PostgresLauncher : IResourceLauncher
{
    private readonly PostgresServerResource _resource;
    private readonly StackContext _context;
    private LocalPostgres? _server;

    public PostgresLauncher(PostgresServerResource resource, StackContext context)
    {
        _resource = resource;
        _context = context;
    }

    public string ReadinessDescription => $"PostgreSQL accepting connections on 127.0.0.1:{_resource.Port}";

    public async Task<RunningProcess> StartAsync(Action<string, bool> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        var server = new LocalPostgres(_resource.DataDirectory(_context), _resource.Port);
        server.LineReceived += line => onLine(line, LogLineClassifier.IsPostgresError(line));
        _server = server;
        // Pooled connections to a previous server process are dead, and would make the new one look ready before it is.
        NpgsqlConnection.ClearAllPools();
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch
        {
            // Started but never accepted connections: do not leave it behind.
            await server.StopAsync();
            throw;
        }

        return new RunningProcess(server.Process!);
    }

    public async Task WaitUntilReadyAsync(RunningProcess process, CancellationToken cancellationToken)
    {
        foreach (var database in _resource.Databases)
        {
            await _server!.EnsureDatabaseAsync(database, cancellationToken);
        }
    }

    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return false;
        }

        try
        {
            var probe = new NpgsqlConnectionStringBuilder(_server.ConnectionString()) { Pooling = false, Timeout = 3 };
            await using var connection = new NpgsqlConnection(probe.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    public Task StopAsync(RunningProcess process, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(process);
        // SIGINT is PostgreSQL's fast shutdown: open transactions roll back and it stops cleanly.
        return LocalServerProcess.StopAsync(process.Process, PosixSignalNumber.Interrupt, grace);
    }
}
