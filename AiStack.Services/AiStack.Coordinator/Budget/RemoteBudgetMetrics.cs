using System.Diagnostics.Metrics;
using AiStack.Coordinator.Telemetry;

namespace AiStack.Coordinator.Budget;

/// <summary>
/// Publishes <c>hybrid_remote_budget_spent_ratio</c>: the larger of today's token and request shares of the remote budget (0 with
/// no limit), for the "remote budget nearly spent" alert. A hosted service only so the gauge exists from start-up, before any remote call.
/// </summary>
public sealed class RemoteBudgetMetrics : IHostedService
{
    public const string InstrumentName = "hybrid_remote_budget_spent_ratio";

    public RemoteBudgetMetrics(IMeterFactory meterFactory, RemoteBudget budget)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(budget);
        meterFactory.Create(CoordinatorTelemetry.Name).CreateObservableGauge(InstrumentName, () => budget.Usage.SpentRatio,
            description: "Share of today's remote model budget spent (the larger of tokens and requests); 0 when unlimited.");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
