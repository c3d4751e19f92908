using System.Data.Common;
using AiStack.Storage.Dialects;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Storage;

/// <summary>The <c>database</c> health entry (critical): a round trip to the engine, with a fix hint when it fails.</summary>
public sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
            return HealthCheckResult.Healthy(database.Description);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{database.Description} is unreachable: {ex.Message}. {FixHint(database)}", ex);
        }
    }

    public static string FixHint(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.Provider == DatabaseProvider.Postgres
            ? "Check that PostgreSQL runs and that ConnectionStrings__postgres (host, port, database, user, password) is right."
            : "Check that the folder of Storage__SqlitePath (default AISTACK_HOME/data) exists and is writable, or set ConnectionStrings__postgres.";
    }
}
