using AiStack.AppHost.Control;
using AiStack.AppHost.Supervision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiStack.AppHost.Stack;

public static class StackHostingExtensions
{
    /// <summary>
    /// Reads the AppHost's options; a mistake in them (an unknown profile or tier, a bad port) ends the run with the message and
    /// exit code 2 before anything starts.
    /// </summary>
    public static StackOptions AddStackOptions(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        StackOptions stack;
        try
        {
            stack = StackOptions.Read(builder.Configuration, DefaultHome(builder.AppHostDirectory), MachineCapacity.Detect());
        }
        catch (StackConfigurationException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            Environment.Exit(2);
            throw;
        }

        builder.Services.AddSingleton(stack);
        builder.AddStackInfo(stack);
        if (!builder.ExecutionContext.IsPublishMode)
        {
            Console.WriteLine($"AiStack: profile {stack.Profile.ToString().ToLowerInvariant()}, tier {stack.Tier.ToString().ToLowerInvariant()} ({stack.TierReason}), home {stack.Home}");
        }

        return stack;
    }

    /// <summary>Restart with backoff and crash-loop detection, the control API and the ready banner (run mode only).</summary>
    public static IDistributedApplicationBuilder AddStackSupervision(
        this IDistributedApplicationBuilder builder, StackOptions stack, IResourceBuilder<ParameterResource> apiKey)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(apiKey);
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder;
        }

        var dashboardUrl = builder.Configuration.GetValue<bool>(StackOptions.NoDashboardKey)
            ? null
            : builder.Configuration["ASPNETCORE_URLS"]?.Split(';')[0];

        var problems = PortPreflight.FindProblems(PortPreflight.DeclaredPorts(builder, stack));
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                Console.Error.WriteLine("error: " + problem);
            }

            Environment.Exit(2);
        }

        if (!HomeLock.TryAcquire(stack.Home, out var homeLock))
        {
            Console.Error.WriteLine($"error: Another AppHost is running with home {stack.Home}: stop it first, or give this one its own --home.");
            Environment.Exit(2);
        }

        builder.Services.AddSingleton(homeLock);
        // A service that is still starting fails Aspire's HTTP health check, logged as an error with a stack trace several times a
        // second; its state and health are in the dashboard and the control API, and the supervisor logs every crash.
        builder.Services.AddLogging(logging => logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical));
        builder.Services.AddOptions<SupervisionOptions>().BindConfiguration(SupervisionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ResourceSupervisor>();
        builder.Services.AddSingleton(new ControlApiContext(dashboardUrl));
        // First among the hosted services: Aspire's orchestrator returns from its start only when every WaitFor is met, and the
        // supervisor must already be watching then (a resource that crashes at start is otherwise never restarted, and a crash
        // loop of a dependency would leave the control API down for good).
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<ResourceSupervisor>()));
        builder.Services.Insert(1, ServiceDescriptor.Singleton<IHostedService>(sp => new ControlApiHost(
            sp.GetRequiredService<ResourceSupervisor>(), stack, sp.GetRequiredService<ControlApiContext>(), apiKey.Resource,
            sp.GetRequiredService<IHostEnvironment>(), sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<ControlApiHost>>())));
        builder.Services.AddHostedService(sp => new StackBanner(
            sp.GetRequiredService<ResourceSupervisor>(), stack, apiKey.Resource, dashboardUrl, sp.GetRequiredService<TimeProvider>()));
        return builder;
    }

    /// <summary><c>.aistack</c> at the repository root (the AppHost project's parent), or in the current folder when run elsewhere.</summary>
    private static string DefaultHome(string appHostDirectory)
    {
        var repository = Path.GetDirectoryName(appHostDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return repository is not null && File.Exists(Path.Combine(repository, "AiStack.sln"))
            ? Path.Combine(repository, ".aistack")
            : Path.Combine(Directory.GetCurrentDirectory(), ".aistack");
    }
}
