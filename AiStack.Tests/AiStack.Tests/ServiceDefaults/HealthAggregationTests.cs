using AiStack.ServiceDefaults.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.Tests.ServiceDefaults;

public sealed class HealthAggregationTests
{
    [Fact]
    public void A_failing_critical_dependency_makes_the_service_unhealthy() =>
        Assert.Equal(HealthStatus.Unhealthy, HealthAggregation.Overall(
            [(HealthStatus.Healthy, true), (HealthStatus.Unhealthy, true), (HealthStatus.Unhealthy, false)]));

    [Fact]
    public void A_failing_non_critical_dependency_only_degrades_the_service() =>
        Assert.Equal(HealthStatus.Degraded, HealthAggregation.Overall(
            [(HealthStatus.Healthy, true), (HealthStatus.Unhealthy, false)]));

    [Fact]
    public void A_degraded_critical_dependency_degrades_the_service() =>
        Assert.Equal(HealthStatus.Degraded, HealthAggregation.Overall([(HealthStatus.Degraded, true)]));

    [Fact]
    public void All_healthy_or_no_checks_at_all_is_healthy()
    {
        Assert.Equal(HealthStatus.Healthy, HealthAggregation.Overall([(HealthStatus.Healthy, true), (HealthStatus.Healthy, false)]));
        Assert.Equal(HealthStatus.Healthy, HealthAggregation.Overall([]));
    }

    [Fact]
    public void Statuses_are_written_in_lower_case_on_the_wire()
    {
        Assert.Equal("healthy", HealthStatus.Healthy.ToWire());
        Assert.Equal("degraded", HealthStatus.Degraded.ToWire());
        Assert.Equal("unhealthy", HealthStatus.Unhealthy.ToWire());
    }
}
