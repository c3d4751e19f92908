namespace AiStack.AppHost.Stack;

/// <summary>The stack itself in the dashboard: its profile, tier and why, home and control API, as properties of one resource.</summary>
public sealed class StackInfoResource(string name) : Resource(name);

public static class StackInfoExtensions
{
    public static IResourceBuilder<StackInfoResource> AddStackInfo(this IDistributedApplicationBuilder builder, StackOptions stack, string name = "aistack")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        var settings = stack.TierSettings;
        return builder.AddResource(new StackInfoResource(name))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "AiStack",
                State = new ResourceStateSnapshot($"{stack.Profile} profile, {stack.Tier} tier", KnownResourceStateStyles.Info),
                Properties =
                [
                    new("aistack.profile", stack.Profile.ToString().ToLowerInvariant()) { DisplayName = "Profile" },
                    new("aistack.tier", stack.Tier.ToString().ToLowerInvariant()) { DisplayName = "Tier" },
                    new("aistack.tier_reason", stack.TierReason) { DisplayName = "Tier chosen because" },
                    new("aistack.tier_settings", $"model threads {settings.ModelThreads}, context {settings.ContextSize}, contexts {settings.ContextPoolSize}, Ralph concurrency {settings.RalphConcurrency}") { DisplayName = "Tier settings" },
                    new("aistack.home", stack.Home) { DisplayName = "Home" },
                    new("aistack.control_api", $"http://127.0.0.1:{stack.ControlPort}/api/resources") { DisplayName = "Control API" },
                ],
            })
            .WithIconName("Info")
            .ExcludeFromManifest();
    }
}
