using System.Text.Json;
using System.Text.Json.Serialization;
using AiStack.AppHost.Control;
using AiStack.AppHost.Launching;
using AiStack.AppHost.Logs;
using AiStack.AppHost.Orchestration;
using Microsoft.Extensions.Options;

namespace AiStack.AppHost.Model;

/// <summary>The built stack: its resources for this run, the supervisors that run them and the control API.</summary>
public sealed class StackApplication
{
    private readonly StackBuilder _builder;
    private readonly List<string> _errors;
    private readonly WebApplication? _app;

    internal StackApplication(StackBuilder builder)
    {
        _builder = builder;
        _errors = [.. builder.Errors];
        try
        {
            RunnableResources = DependencyOrder.Sort(builder.Resources.Where(r => r.IsRunnable(builder.Context)).ToList());
        }
        catch (StackConfigurationException ex)
        {
            _errors.Add(ex.Message);
            RunnableResources = [];
        }

        if (_errors.Count == 0 && !builder.HelpRequested)
        {
            _app = CreateWebApplication();
        }
    }

    public StackContext Context => _builder.Context;

    /// <summary>The resources this run starts, in dependency order.</summary>
    public IReadOnlyList<Resource> RunnableResources { get; }

    /// <summary>Runs the stack until Ctrl+C or SIGTERM. Exit code 0, 1 when start-up failed, 2 when the configuration is wrong.</summary>
    public async Task<int> RunAsync()
    {
        if (_builder.HelpRequested)
        {
            await Console.Out.WriteLineAsync(StackBuilder.Usage);
            return 0;
        }

        await using var homeLock = _errors.Count == 0 ? LeftoverProcesses.TryLockHome(Context.Home) : null;
        if (_errors.Count == 0 && homeLock is null)
        {
            _errors.Add($"Another AppHost is running with home {Context.Home}: stop it first, or give this one its own --home.");
        }

        if (_errors.Count == 0)
        {
            foreach (var leftover in await new LeftoverProcesses(Context.Home).StopAllAsync(TimeSpan.FromSeconds(10)))
            {
                await Console.Out.WriteLineAsync($"Stopped {leftover}, left running by an AppHost that did not stop cleanly.");
            }
        }

        var problems = _errors.Count > 0 ? _errors : PortPreflight.FindProblems(Ports());
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await Console.Error.WriteLineAsync("error: " + problem);
            }

            return 2;
        }

        Banner.Write(Console.Out, this, _builder.ControlPort, _builder.ShowKey);
        await _app!.RunAsync();
        return Environment.ExitCode;
    }

    private IEnumerable<(string Name, int Port)> Ports() =>
        RunnableResources.OfType<IResourceWithPort>().Select(r => (r.Name, r.Port))
            .Append((StackBuilder.ControlResourceName, _builder.ControlPort));

    private WebApplication CreateWebApplication()
    {
        var web = _builder.Web;
        web.WebHost.UseUrls($"http://127.0.0.1:{_builder.ControlPort}");
        web.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        web.AddServiceDefaults();
        web.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        web.Services.AddOptions<SupervisorOptions>().Bind(web.Configuration.GetSection("AppHost")).ValidateDataAnnotations().ValidateOnStart();
        // Resources are stopped one after another, each with its grace period.
        web.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(3));
        web.Services.AddSingleton(Context);
        web.Services.AddSingleton(TimeProvider.System);
        web.Services.AddSingleton<ResourceConsole>();
        // Readiness probes poll on their own schedule: retries and breakers would only delay and clutter what they report.
        web.Services.AddHttpClient(nameof(ProjectLauncher), c => c.Timeout = TimeSpan.FromSeconds(3)).WithoutResilience();
        web.Services.AddSingleton<IReadOnlyList<ResourceSupervisor>>(CreateSupervisors);
        web.Services.AddSingleton<StackOrchestrator>();
        web.Services.AddHostedService(sp => sp.GetRequiredService<StackOrchestrator>());
        web.Services.AddHealthChecks().AddCheck<StackReadinessCheck>("resources", tags: [AiStack.ServiceDefaults.HealthTags.Critical, AiStack.ServiceDefaults.HealthTags.Self]);

        var app = web.Build();
        app.MapResourceEndpoints();
        app.MapDefaultEndpoints();
        return app;
    }

    private List<ResourceSupervisor> CreateSupervisors(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<SupervisorOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var console = services.GetRequiredService<ResourceConsole>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var http = services.GetRequiredService<IHttpClientFactory>();
        return RunnableResources.Select(resource => new ResourceSupervisor(
            resource,
            CreateLauncher(resource, http),
            options,
            time,
            console,
            loggers.CreateLogger("AiStack.AppHost." + resource.Name))
        {
            PidRecord = new LeftoverProcesses(Context.Home),
            WaitsFor = resource.WaitsFor.Where(RunnableResources.Contains).Select(r => r.Name).ToList(),
        }).ToList();
    }

    private IResourceLauncher CreateLauncher(Resource resource, IHttpClientFactory http) => resource switch
    {
        ProjectResource project => new ProjectLauncher(project, Context, http.CreateClient(nameof(ProjectLauncher))),
        PostgresServerResource postgres => new PostgresLauncher(postgres, Context),
        RedisServerResource redis => new RedisLauncher(redis, Context),
        _ => throw new StackConfigurationException($"Resource '{resource.Name}' ({resource.GetType().Name}) cannot be run."),
    };
}
