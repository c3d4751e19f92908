using AiStack.AppHost.Infrastructure;
using StackExchange.Redis;

namespace AiStack.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL server for every test in the collection, started from the machine's binaries in a temporary folder.
/// When AISTACK_TEST_POSTGRES is set, that server is used instead. Missing binaries fail the tests with the install command.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private LocalPostgres? _server;
    private string? _external;
    private int _databaseCounter;

    public string AdminConnectionString => _external ?? _server!.ConnectionString();

    public async Task InitializeAsync()
    {
        _external = Environment.GetEnvironmentVariable("AISTACK_TEST_POSTGRES");
        if (!string.IsNullOrEmpty(_external))
        {
            return;
        }

        if (LocalPostgres.FindBinDirectory() is null)
        {
            throw new InvalidOperationException("These tests need a real PostgreSQL server. " + LocalPostgres.MissingMessage);
        }

        _server = new LocalPostgres(TestDirectories.Create("postgres"), LocalServerProcess.FreeTcpPort());
        await _server.StartAsync();
    }

    /// <summary>A fresh, empty database for one test or class, so tests never see each other's rows.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid():N}".ToLowerInvariant();
        name = name[..Math.Min(name.Length, 63)];
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(AdminConnectionString);
        await using (var connection = new Npgsql.NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        builder.Database = name;
        return builder.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            TestDirectories.Delete(Path.GetDirectoryName(_server.DataDirectory)!);
        }
    }
}

/// <summary>One real Redis server for the collection (or AISTACK_TEST_REDIS when set).</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private LocalRedis? _server;
    private string? _external;

    public string ConnectionString => _external ?? _server!.ConnectionString;

    public LocalRedis? Server => _server;

    public async Task InitializeAsync()
    {
        _external = Environment.GetEnvironmentVariable("AISTACK_TEST_REDIS");
        if (!string.IsNullOrEmpty(_external))
        {
            return;
        }

        if (LocalServerProcess.FindExecutable("redis-server", "/usr/bin", "/usr/local/bin") is null)
        {
            throw new InvalidOperationException("These tests need a real Redis server. " + LocalRedis.MissingMessage);
        }

        _server = new LocalRedis(TestDirectories.Create("redis"), LocalServerProcess.FreeTcpPort());
        await _server.StartAsync();
        using var connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
        await connection.GetDatabase().PingAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            TestDirectories.Delete(Path.GetDirectoryName(_server.PasswordFile)!);
        }
    }
}

public static class TestDirectories
{
    /// <summary>A new folder under /tmp that the postgres user can traverse (the checkout may sit under a private home).</summary>
    public static string Create(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), "aistack-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(Path.Combine(Path.GetTempPath(), "aistack-tests"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A server that was killed may still hold a file for a moment; the folder lies under /tmp and is not worth failing a test.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServersCollection : ICollectionFixture<PostgresFixture>, ICollectionFixture<RedisFixture>
{
    public const string Name = "Servers";
}
