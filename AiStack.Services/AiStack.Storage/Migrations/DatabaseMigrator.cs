using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiStack.Storage.Migrations;

/// <summary>
/// Start-up step: waits (bounded by <see cref="DatabaseOptions.StartupTimeout"/>) for the database to accept connections, then
/// applies the service's migrations before anything else touches the data. Registered first, so later hosted services see the schema.
/// </summary>
internal sealed class DatabaseMigrator(
    Database database,
    MigrationRunner runner,
    MigrationSet migrations,
    IOptions<DatabaseOptions> options,
    TimeProvider timeProvider,
    ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await WaitForDatabaseAsync(cancellationToken);
        var applied = await runner.ApplyAsync(migrations, cancellationToken);
        logger.LogInformation("{Scope} schema ready on {Database} ({Applied} migrations applied now)",
            migrations.Scope, database.Description, applied);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WaitForDatabaseAsync(CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + options.Value.StartupTimeout;
        while (true)
        {
            try
            {
                await using var connection = await database.OpenConnectionAsync(cancellationToken);
                return;
            }
            catch (DbException ex) when (Database.IsPermanentFailure(ex))
            {
                throw new InvalidOperationException(
                    $"The database ({database.Description}) cannot be used: {ex.Message.TrimEnd('.')}. Move the file away to start with an empty " +
                    "store (or restore it from a backup), or set Storage__SqlitePath to another file.", ex);
            }
            catch (DbException ex) when (timeProvider.GetUtcNow() < deadline)
            {
                logger.LogWarning("Waiting for {Database}: {Error}", database.Description, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException(
                    $"The database ({database.Description}) did not accept connections within {options.Value.StartupTimeout.TotalSeconds:0} s: {ex.Message}. " +
                    DatabaseHealthCheck.FixHint(database), ex);
            }
        }
    }
}
