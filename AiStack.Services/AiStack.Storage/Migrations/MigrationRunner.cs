using System.Data.Common;
using AiStack.Storage.Dialects;
using Dapper;
using Microsoft.Extensions.Logging;

namespace AiStack.Storage.Migrations;

/// <summary>
/// Brings a database's schema up to date in place: each pending script runs in its own transaction together with its
/// schema_version row, so a failed script leaves the previous version intact. Concurrent starters (several replicas on one
/// PostgreSQL) serialize on an advisory lock; SQLite serializes on its write lock (BEGIN IMMEDIATE).
/// </summary>
public sealed class MigrationRunner(Database database, ILogger<MigrationRunner> logger)
{
    public const string VersionTable = "schema_version";

    /// <summary>Applies pending migrations and returns how many ran.</summary>
    public async Task<int> ApplyAsync(MigrationSet set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var migrations = set.For(database.Provider);
        var applied = 0;
        foreach (var migration in migrations)
        {
            var ran = await database.InTransactionAsync(async (connection, transaction) =>
            {
                await LockAsync(connection, transaction, set.Scope);
                await EnsureVersionTableAsync(connection, transaction);
                var current = await CurrentVersionAsync(connection, transaction, set.Scope);
                if (current >= migration.Version)
                {
                    return false;
                }

                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    $"INSERT INTO {VersionTable} (scope, version, name, applied_at) VALUES (@scope, @version, @name, @appliedAt)",
                    new { scope = set.Scope, version = migration.Version, name = migration.Name, appliedAt = DateTimeOffset.UtcNow },
                    transaction, cancellationToken: cancellationToken));
                return true;
            }, cancellationToken);

            if (ran)
            {
                applied++;
                logger.LogInformation("Applied {Scope} schema version {Version} ({Name}) on {Database}",
                    set.Scope, migration.Version, migration.Name, database.Description);
            }
        }

        var latestKnown = migrations.Count == 0 ? 0 : migrations[^1].Version;
        var version = await GetVersionAsync(set.Scope, cancellationToken);
        if (version > latestKnown)
        {
            throw new InvalidOperationException(
                $"The {set.Scope} schema in {database.Description} is at version {version}, newer than this build knows ({latestKnown}). " +
                "Run a newer build of the service, or point it at another database.");
        }

        return applied;
    }

    /// <summary>The highest applied version of a scope, 0 when none.</summary>
    public async Task<int> GetVersionAsync(string scope, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await EnsureVersionTableAsync(connection, transaction);
        var version = await CurrentVersionAsync(connection, transaction, scope);
        await transaction.CommitAsync(cancellationToken);
        return version;
    }

    private async Task LockAsync(DbConnection connection, DbTransaction transaction, string scope)
    {
        if (database.Provider == DatabaseProvider.Postgres)
        {
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = LockKey(scope) }, transaction);
        }
    }

    private Task EnsureVersionTableAsync(DbConnection connection, DbTransaction transaction) =>
        connection.ExecuteAsync(
            $"""
            CREATE TABLE IF NOT EXISTS {VersionTable} (
                scope TEXT NOT NULL,
                version INTEGER NOT NULL,
                name TEXT NOT NULL,
                applied_at {database.Dialect.TimestampType} NOT NULL,
                PRIMARY KEY (scope, version))
            """, transaction: transaction);

    private static async Task<int> CurrentVersionAsync(DbConnection connection, DbTransaction transaction, string scope) =>
        await connection.ExecuteScalarAsync<int?>(
            $"SELECT MAX(version) FROM {VersionTable} WHERE scope = @scope", new { scope }, transaction) ?? 0;

    /// <summary>A stable 64-bit key per scope (FNV-1a), so unrelated services sharing a server never wait on each other.</summary>
    private static long LockKey(string scope)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in "aistack-schema:" + scope)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}
