using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Clients;
using AiStack.Contracts.Coordinator;
using AiStack.Contracts.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.Storage;
using Dapper;

namespace AiStack.Learning.Proposals;

/// <summary>
/// Carries out approved proposals that change another service's setting: an approved route-threshold proposal sets the Coordinator's
/// <c>local_confidence_threshold</c> to the value the approver saw (<c>PATCH /settings</c>), then the proposal is <c>applied</c> and a
/// <see cref="TelemetryEventTypes.ProposalApplied"/> event says what changed. A failure keeps it <c>approved</c> (with the error) for the
/// next run; setting the same value again is harmless.
/// </summary>
public sealed partial class ProposalApplier(Database database, IServiceProvider services, ITelemetryEvents events, ILogger<ProposalApplier> logger)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<CoordinatorClient>() is not { } coordinator)
        {
            return 0;
        }

        List<ProposalRow> approved;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            approved = (await connection.QueryAsync<ProposalRow>(new CommandDefinition(
                $"SELECT {ProposalRow.Columns} FROM proposals WHERE status = @status AND kind = @kind ORDER BY id LIMIT 20",
                new { status = ProposalStatuses.Approved, kind = ProposalKinds.RouteThreshold }, cancellationToken: cancellationToken))).AsList();
        }

        var applied = 0;
        foreach (var proposal in approved)
        {
            var suggested = JsonNode.Parse(proposal.Evidence)?["suggested_threshold"]?.GetValue<double>();
            string? error = null;
            if (suggested is null)
            {
                error = "the proposal's evidence has no suggested_threshold";
            }
            else
            {
                try
                {
                    var before = (await coordinator.GetSettingsAsync(cancellationToken)).LocalConfidenceThreshold;
                    var after = await coordinator.UpdateSettingsAsync(new RoutingSettings { LocalConfidenceThreshold = suggested }, cancellationToken);
                    events.Publish(TelemetryEventTypes.ProposalApplied, new ProposalAppliedPayload(proposal.Id, proposal.Kind, CoordinatorClient.ServiceName,
                        "local_confidence_threshold", before is null ? null : JsonSerializer.SerializeToElement(before.Value),
                        JsonSerializer.SerializeToElement(after.LocalConfidenceThreshold), proposal.RalphTaskId ?? ""), proposal.RalphTaskId);
                    LogApplied(logger, proposal.Id, before, after.LocalConfidenceThreshold);
                    applied++;
                }
                catch (HttpRequestException e)
                {
                    error = e.Message;
                }
            }

            await using var update = await database.OpenConnectionAsync(cancellationToken);
            await update.ExecuteAsync(new CommandDefinition(
                "UPDATE proposals SET status = @status, last_error = @error WHERE id = @Id",
                new { status = error is null ? ProposalStatuses.Applied : ProposalStatuses.Approved, error, proposal.Id }, cancellationToken: cancellationToken));
        }

        return applied;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proposal {ProposalId} applied: the Coordinator's local confidence threshold {Before} -> {After}")]
    private static partial void LogApplied(ILogger logger, long proposalId, double? before, double? after);
}

/// <summary>A proposal's life: pending -> submitted (a Ralph task awaits approval) -> approved or rejected -> applied.</summary>
public static class ProposalStatuses
{
    public const string Pending = "pending";
    public const string Submitted = "submitted";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Applied = "applied";
}
