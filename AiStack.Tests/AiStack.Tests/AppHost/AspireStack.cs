using System.Text;
using AiStack.AppHost.Infrastructure;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace AiStack.Tests.AppHost;

/// <summary>
/// The real AppHost (its AppHost.cs, resources, supervisor and control API) started in the test process with
/// Aspire.Hosting.Testing, on a home folder of its own and free ports. DCP still runs every service and server as a real process.
/// </summary>
public sealed class AspireStack : StackHost
{
    private readonly DistributedApplication _app;

    private AspireStack(DistributedApplication app, string home, IReadOnlyDictionary<string, int> ports)
        : base(home, ports)
    {
        _app = app;
    }

    public DistributedApplication App => _app;

    public override string Output
    {
        get
        {
            // The resources' recent lines, through the control API's view of them, for failure messages.
            var text = new StringBuilder();
            try
            {
                foreach (var resource in GetResourcesAsync().GetAwaiter().GetResult())
                {
                    text.AppendLine($"--- {resource.GetProperty("name").GetString()}: {resource.GetProperty("state").GetString()}");
                    foreach (var line in resource.GetProperty("recent_logs").EnumerateArray().TakeLast(15))
                    {
                        text.AppendLine(line.GetProperty("text").GetString());
                    }
                }
            }
            catch (HttpRequestException ex)
            {
                text.AppendLine("control API unreachable: " + ex.Message);
            }

            return text.ToString();
        }
    }

    /// <summary>Starts the stack and waits until every resource in <paramref name="resources"/> is healthy.</summary>
    public static async Task<AspireStack> StartAsync(string profile, IReadOnlyList<string> resources, TimeSpan timeout, params string[] extraArguments)
    {
        var home = Infrastructure.TestDirectories.Create("aspire-" + profile);
        var ports = LocalServerProcess.FreeTcpPorts(resources.Append("apphost"));
        string[] arguments =
        [
            "--profile", profile, "--home", home, "--no-dashboard",
            .. ports.Select(p => $"--Ports:{p.Key}={p.Value}"),
            .. extraArguments,
        ];
        using var cancellation = new CancellationTokenSource(timeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AiStack_AppHost>(
            arguments, (options, _) => options.DisableDashboard = true, cancellation.Token);
        var app = await builder.BuildAsync(cancellation.Token);
        var stack = new AspireStack(app, home, ports);
        try
        {
            await app.StartAsync(cancellation.Token);
            foreach (var resource in resources)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellation.Token);
            }
        }
        catch (OperationCanceledException)
        {
            var output = stack.Output;
            await stack.DisposeAsync();
            throw new TimeoutException($"The {profile} stack was not healthy within {timeout.TotalSeconds} s:\n{output}");
        }

        return stack;
    }

    public override async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        DisposeClients();
        Infrastructure.TestDirectories.Delete(Home);
    }
}
