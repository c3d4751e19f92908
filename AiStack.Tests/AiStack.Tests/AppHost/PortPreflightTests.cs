using System.Net;
using System.Net.Sockets;
using AiStack.AppHost.Stack;

namespace AiStack.Tests.AppHost;

public sealed class PortPreflightTests
{
    [Fact]
    public void A_port_in_use_names_the_resource_and_how_to_move_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var problems = PortPreflight.FindProblems([("knowledgebase", port)]);

        var problem = Assert.Single(problems);
        Assert.StartsWith($"port {port} for knowledgebase is in use: stop what uses it or set Ports__knowledgebase=", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Free_ports_pass()
    {
        var port = AiStack.AppHost.Infrastructure.LocalServerProcess.FreeTcpPort();

        Assert.Empty(PortPreflight.FindProblems([("knowledgebase", port)]));
    }

    [Fact]
    public void Two_resources_on_one_port_are_reported()
    {
        var problems = PortPreflight.FindProblems([("knowledgebase", 18091), ("coordinator", 18091)]);

        var problem = Assert.Single(problems);
        Assert.Equal("port 18091 is given to knowledgebase and coordinator: set Ports__coordinator=<another port>", problem);
    }
}
