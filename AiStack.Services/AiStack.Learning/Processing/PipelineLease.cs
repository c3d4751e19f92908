using System.Data.Common;
using AiStack.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace AiStack.Learning.Processing;

/// <summary>
/// One active pipeline across replicas: a row in <c>leases</c> with a holder and an expiry. A replica takes it when it is free or
/// expired, renews it in every batch transaction, and a batch whose renewal fails (the lease moved on) rolls back.
/// </summary>
public sealed class PipelineLease(Database database, IOptions<LearningOptions> options, TimeProvider time)
{
    public const string Name = "pipeline";

    /// <summary>This replica's identity as a lease holder.</summary>
    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public Task<bool> TryAcquireAsync(CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var now = time.GetUtcNow();
            var expires = now + options.Value.LeaseDuration;
            var taken = await connection.ExecuteAsync(
                "UPDATE leases SET holder = @Holder, expires_at = @expires WHERE name = @Name AND (holder = @Holder OR expires_at < @now)",
                new { Holder, expires, Name, now }, transaction);
            if (taken == 0)
            {
                taken = await connection.ExecuteAsync(
                    "INSERT INTO leases (name, holder, expires_at) VALUES (@Name, @Holder, @expires) ON CONFLICT (name) DO NOTHING",
                    new { Name, Holder, expires }, transaction);
            }

            return taken > 0;
        }, cancellationToken);

    /// <summary>Renews the lease inside a batch's transaction; false when another replica holds it now.</summary>
    public async Task<bool> RenewAsync(DbConnection connection, DbTransaction transaction)
    {
        var now = time.GetUtcNow();
        var renewed = await connection.ExecuteAsync(
            "UPDATE leases SET expires_at = @expires WHERE name = @Name AND holder = @Holder AND expires_at >= @now",
            new { expires = now + options.Value.LeaseDuration, Name, Holder, now }, transaction);
        return renewed == 1;
    }

    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM leases WHERE name = @Name AND holder = @Holder", new { Name, Holder }, cancellationToken: cancellationToken));
    }

    public async Task<(string Holder, DateTimeOffset ExpiresAt)?> CurrentAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Holder, DateTimeOffset ExpiresAt)>(new CommandDefinition(
            "SELECT holder, expires_at FROM leases WHERE name = @Name", new { Name }, cancellationToken: cancellationToken));
        return rows.Select(r => ((string, DateTimeOffset)?)r).FirstOrDefault();
    }
}
