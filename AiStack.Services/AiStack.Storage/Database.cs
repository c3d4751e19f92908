using System.Data.Common;
using System.Globalization;
using AiStack.Storage.Dialects;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AiStack.Storage;

/// <summary>
/// A service's relational database: opens pooled connections for the configured engine and names its dialect.
/// PostgreSQL connections come from one <see cref="NpgsqlDataSource"/>; SQLite connections open the file in WAL mode with a busy timeout.
/// Use Dapper on the connections it returns.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqliteConnectionString;
    private readonly int _busyTimeoutMs;
    private bool _ownsDataSource;

    private Database(NpgsqlDataSource? postgres, string? sqliteConnectionString, int busyTimeoutMs, string description)
    {
        _postgres = postgres;
        _sqliteConnectionString = sqliteConnectionString;
        _busyTimeoutMs = busyTimeoutMs;
        Description = description;
        Dialect = SqlDialect.For(postgres is null ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres);
    }

    public SqlDialect Dialect { get; }

    public DatabaseProvider Provider => Dialect.Provider;

    /// <summary>Where the data lives, without secrets (for logs and health messages).</summary>
    public string Description { get; }

    /// <summary>
    /// The database the options name. <paramref name="postgres"/> is the service's data source when it registered one (Aspire's
    /// <c>AddNpgsqlDataSource</c>, which owns it and adds its traces and metrics); without it a data source of its own is built.
    /// </summary>
    public static Database Create(DatabaseOptions options, NpgsqlDataSource? postgres = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        TimestampTypeHandler.Register();
        if (!string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            var builder = new NpgsqlConnectionStringBuilder(options.PostgresConnectionString);
            var owned = postgres is null;
            var dataSource = postgres ?? new NpgsqlDataSourceBuilder(options.PostgresConnectionString).Build();
            return new Database(dataSource, null, 0, $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}") { _ownsDataSource = owned };
        }

        var path = Path.GetFullPath(options.SqlitePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(options.SqliteBusyTimeout.TotalSeconds),
        }.ToString();
        return new Database(null, connectionString, (int)options.SqliteBusyTimeout.TotalMilliseconds, $"SQLite {path}");
    }

    /// <summary>An open connection; dispose it to return it to the pool.</summary>
    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            // WAL lets readers run beside the writer; busy_timeout makes a writer wait for the lock instead of failing at once.
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={_busyTimeoutMs};");
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A failure that waiting cannot mend: the SQLite file is not a database, or it is corrupt (SQLITE_NOTADB, SQLITE_CORRUPT).
    /// A PostgreSQL server that refuses connections may still be starting, so nothing from it counts here.
    /// </summary>
    public static bool IsPermanentFailure(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteNotADatabase or SqliteCorrupt };

    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <summary>Runs <paramref name="work"/> in one transaction on one connection: committed when it returns, rolled back when it throws.</summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            if (_ownsDataSource)
            {
                await _postgres.DisposeAsync();
            }
        }
        else
        {
            // Pooled SQLite connections keep the file open (and its WAL); clearing this file's pool lets callers delete it.
            using var connection = new SqliteConnection(_sqliteConnectionString);
            SqliteConnection.ClearPool(connection);
        }
    }
}
