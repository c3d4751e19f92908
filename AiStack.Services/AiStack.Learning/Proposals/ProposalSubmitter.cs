using System.Text.Json.Nodes;
using AiStack.Clients;
using AiStack.Contracts.Tasks;
using AiStack.Contracts.Telemetry;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.Storage;
using Dapper;

namespace AiStack.Learning.Proposals;

/// <summary>
/// Submits pending proposals to Ralph as approval-gated tasks carrying their evidence, and records Ralph's task id. A failed
/// submission stays pending and is retried on the next run. Without a Ralph address proposals stay pending (listed by the API).
/// </summary>
public sealed class ProposalSubmitter(Database database, IServiceProvider services, ITelemetryEvents events, TimeProvider time, ILogger<ProposalSubmitter> logger)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var client = services.GetService<RalphClient>();
        if (client is null)
        {
            return 0;
        }

        List<ProposalRow> pending;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            pending = (await connection.QueryAsync<ProposalRow>(new CommandDefinition(
                $"SELECT {ProposalRow.Columns} FROM proposals WHERE status = 'pending' ORDER BY id LIMIT 20", cancellationToken: cancellationToken))).AsList();
        }

        var submitted = 0;
        foreach (var proposal in pending)
        {
            string? taskId = null;
            string? error = null;
            try
            {
                var context = new JsonObject
                {
                    ["source"] = "learning",
                    ["proposal_id"] = proposal.Id,
                    ["kind"] = proposal.Kind,
                    ["title"] = proposal.Title,
                    ["evidence"] = JsonNode.Parse(proposal.Evidence),
                };
                var answer = await client.SubmitAsync(new SubmitTaskRequest
                {
                    Prompt = proposal.Prompt,
                    RequireApproval = true,
                    Context = context,
                    Tags = ["learning-proposal", proposal.Kind],
                }, cancellationToken);
                taskId = answer.TaskId;
                submitted++;
                events.Publish(TelemetryEventTypes.ProposalSubmitted, new ProposalSubmittedPayload(proposal.Id, proposal.Kind, proposal.Title, taskId), taskId);
            }
            catch (HttpRequestException ex)
            {
                error = ex.Message;
                logger.LogWarning("Submitting proposal {ProposalId} to Ralph failed: {Error}", proposal.Id, ex.Message);
            }

            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE proposals SET status = @status, ralph_task_id = @taskId, attempts = attempts + 1, last_error = @error, submitted_at = @now WHERE id = @Id",
                new { status = taskId is null ? "pending" : "submitted", taskId, error, now = taskId is null ? (DateTimeOffset?)null : time.GetUtcNow(), proposal.Id },
                cancellationToken: cancellationToken));
        }

        return submitted;
    }
}
