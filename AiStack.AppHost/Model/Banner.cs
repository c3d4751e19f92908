using AiStack.AppHost.Launching;

namespace AiStack.AppHost.Model;

/// <summary>The few lines printed at start: what runs where, where the key is, how to stop.</summary>
public static class Banner
{
    public static void Write(TextWriter writer, StackApplication stack, int controlPort, bool showKey)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(stack);
        var context = stack.Context;
        writer.WriteLine($"AiStack AppHost: profile {context.Profile.ToString().ToLowerInvariant()}, tier {context.Tier.ToString().ToLowerInvariant()}, home {context.Home}");
        foreach (var resource in stack.RunnableResources)
        {
            var where = resource switch
            {
                IResourceWithEndpoint endpoint => endpoint.Url.ToString().TrimEnd('/'),
                IResourceWithPort withPort => $"127.0.0.1:{withPort.Port} (data in {Path.Combine(context.Home, resource.Name)})",
                _ => "",
            };
            writer.WriteLine($"  {resource.Name,-14} {where}");
        }

        writer.WriteLine($"  {"control API",-14} http://127.0.0.1:{controlPort}/api/resources");
        writer.WriteLine(showKey
            ? $"  API key: {context.ApiKey} (header X-API-Key)"
            : $"  API key: in {context.ApiKeyFile} (header X-API-Key; --show-key prints it)");
        writer.WriteLine($"  services run with {DotNetHost.Path}");
        writer.WriteLine("Ctrl+C to stop.");
        writer.Flush();
    }
}
