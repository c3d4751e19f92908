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

/// <summary>
/// Every folder the tests make lives under one folder per test run, <c>/tmp/aistack-tests/run-{pid}</c>, deleted when the test
/// process exits; run folders of test processes that died without cleaning up are deleted when the next run starts. The suite
/// leaves no temporary folder behind.
/// </summary>
public static class TestDirectories
{
    private const UnixFileMode Traversable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static readonly Lazy<string> RunRoot = new(CreateRunRoot);

    /// <summary>This run's folder.</summary>
    public static string Root => RunRoot.Value;

    /// <summary>A new folder under /tmp that the postgres user can traverse (the checkout may sit under a private home).</summary>
    public static string Create(string purpose)
    {
        var path = NewPath(purpose);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A unique path in this run's folder, not created (for a file, or a folder that its user creates).</summary>
    public static string NewPath(string purpose, string extension = "") => Path.Combine(Root, $"{purpose}-{Guid.NewGuid():N}{extension}");

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A server that was killed may still hold a file for a moment; the run's folder goes when the run ends.
        }
    }

    private static string CreateRunRoot()
    {
        var parent = Path.Combine(Path.GetTempPath(), "aistack-tests");
        Directory.CreateDirectory(parent);
        File.SetUnixFileMode(parent, Traversable);
        foreach (var stale in Directory.EnumerateDirectories(parent))
        {
            if (!OwnedByALiveRun(stale))
            {
                Delete(stale);
            }
        }

        foreach (var stale in Directory.EnumerateFiles(parent))
        {
            File.Delete(stale);
        }

        var root = Path.Combine(parent, "run-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, Traversable);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Delete(root);
            try
            {
                Directory.Delete(parent);
            }
            catch (IOException)
            {
                // Another run is using it.
            }
        };
        return root;
    }

    /// <summary>A run folder whose test process still runs; anything else in the parent folder is left over.</summary>
    private static bool OwnedByALiveRun(string folder) =>
        Path.GetFileName(folder) is { } name && name.StartsWith("run-", StringComparison.Ordinal) &&
        int.TryParse(name.AsSpan(4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) &&
        AiStack.AppHost.Infrastructure.ProcessTree.IsAlive(pid);
}

[CollectionDefinition(Name)]
public sealed class ServersCollection : ICollectionFixture<PostgresFixture>, ICollectionFixture<RedisFixture>
{
    public const string Name = "Servers";
}
