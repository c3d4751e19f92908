using AiStack.AppHost.Model;
using static AiStack.Tests.AppHost.TestResources;

namespace AiStack.Tests.AppHost;

public sealed class DependencyOrderTests
{
    [Fact]
    public void Each_resource_comes_after_everything_it_waits_for()
    {
        var postgres = Project("postgres");
        var knowledgebase = Project("knowledgebase").WaitFor(postgres);
        var coordinator = Project("coordinator").WaitFor(knowledgebase);
        var ralph = Project("ralph").WaitFor(coordinator).WaitFor(knowledgebase);

        var order = DependencyOrder.Sort([ralph.Resource, coordinator.Resource, knowledgebase.Resource, postgres.Resource]);

        Assert.Equal(["postgres", "knowledgebase", "coordinator", "ralph"], order.Select(r => r.Name));
    }

    [Fact]
    public void Independent_resources_keep_their_declaration_order()
    {
        var a = Project("redis");
        var b = Project("postgres");
        var c = Project("learning");

        var order = DependencyOrder.Sort([a.Resource, b.Resource, c.Resource]);

        Assert.Equal(["redis", "postgres", "learning"], order.Select(r => r.Name));
    }

    [Fact]
    public void A_cycle_is_rejected_naming_the_resources_in_it()
    {
        var a = Project("alpha");
        var b = Project("beta").WaitFor(a);
        var c = Project("gamma").WaitFor(b);
        a.WaitFor(c);
        var free = Project("free");

        var error = Assert.Throws<StackConfigurationException>(() => DependencyOrder.Sort([free.Resource, a.Resource, b.Resource, c.Resource]));

        Assert.Contains("Dependency cycle", error.Message, StringComparison.Ordinal);
        Assert.Contains("alpha", error.Message, StringComparison.Ordinal);
        Assert.Contains("beta", error.Message, StringComparison.Ordinal);
        Assert.Contains("gamma", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("free", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resource_cannot_wait_for_itself()
    {
        var a = Project("alpha");

        Assert.Throws<StackConfigurationException>(() => a.WaitFor(a));
    }

    [Fact]
    public void Waits_on_resources_left_out_of_the_run_are_ignored()
    {
        var postgres = Project("postgres");
        var knowledgebase = Project("knowledgebase").WaitFor(postgres);

        var order = DependencyOrder.Sort([knowledgebase.Resource]);

        Assert.Equal(["knowledgebase"], order.Select(r => r.Name));
    }
}
