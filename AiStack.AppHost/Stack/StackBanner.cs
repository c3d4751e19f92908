using System.Diagnostics;
using System.Globalization;
using AiStack.AppHost.Supervision;
using Microsoft.Extensions.Hosting;

namespace AiStack.AppHost.Stack;

/// <summary>
/// Prints what runs where once every supervised resource is healthy, with the time from launch (the figure the start-up benchmark
/// reads). The dashboard's login URL is printed by Aspire itself as it starts.
/// </summary>
internal sealed class StackBanner(ResourceSupervisor supervisor, StackOptions stack, ParameterResource apiKey, string? dashboardUrl, TimeProvider time)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!supervisor.Resources.All(r => r.IsReady))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var elapsed = DateTime.Now - Process.GetCurrentProcess().StartTime;
        var writer = Console.Out;
        await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"AiStack ready in {elapsed.TotalSeconds:0.00} s: profile {stack.Profile.ToString().ToLowerInvariant()}, tier {stack.Tier.ToString().ToLowerInvariant()} ({stack.TierReason}), home {stack.Home}"));
        foreach (var resource in supervisor.Resources)
        {
            var endpoint = resource.Resource.Annotations.OfType<EndpointAnnotation>().FirstOrDefault();
            var port = endpoint?.Port ?? endpoint?.TargetPort;
            var where = port is null ? "" : resource.Resource is ProjectResource ? $"http://127.0.0.1:{port}" : $"127.0.0.1:{port}";
            await writer.WriteLineAsync($"  {resource.Name,-14} {where}");
        }

        await writer.WriteLineAsync($"  {"control API",-14} http://127.0.0.1:{stack.ControlPort}/api/resources");
        await writer.WriteLineAsync(dashboardUrl is null ? $"  {"dashboard",-14} off (--no-dashboard)" : $"  {"dashboard",-14} {dashboardUrl} (login URL above)");
        await writer.WriteLineAsync(stack.ShowKey
            ? $"  API key: {await apiKey.GetValueAsync(stoppingToken)} (header X-API-Key)"
            : $"  API key: in {stack.ApiKeyFile} (header X-API-Key; --show-key prints it)");
        await writer.FlushAsync(stoppingToken);
    }
}
