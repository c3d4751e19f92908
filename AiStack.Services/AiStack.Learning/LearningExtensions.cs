using AiStack.Clients;
using AiStack.Learning.Dataset;
using AiStack.Learning.Diagnostics;
using AiStack.Learning.Ingest;
using AiStack.Learning.Patterns;
using AiStack.Learning.Processing;
using AiStack.Learning.Proposals;
using AiStack.ServiceDefaults.Discovery;
using AiStack.ServiceDefaults.Telemetry.Events;
using AiStack.Storage;
using AiStack.Storage.Migrations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AiStack.Learning;

public static class LearningExtensions
{
    /// <summary>
    /// Registers the Learning service: its database and schema, ingest (HTTP and JSONL tailing), the pipeline and its worker, and
    /// the typed clients of the KnowledgeBase, Ralph and the Coordinator when their addresses are configured (without them, patterns
    /// and proposals are kept and listed but not posted, and no route-threshold proposal is made).
    /// </summary>
    public static IHostApplicationBuilder AddLearning(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        builder.AddServiceDatabase("learning", MigrationSet.FromEmbeddedResources("learning", typeof(LearningExtensions).Assembly));
        services.AddOptions<LearningOptions>().Bind(builder.Configuration.GetSection(LearningOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.DeleteAfter >= o.CompressAfter, "Learning:DeleteAfter must not be shorter than Learning:CompressAfter.")
            .ValidateOnStart();

        services.AddSingleton<LearningMetrics>();
        services.AddSingleton<EventStore>();
        services.AddSingleton<JsonlTailer>();
        services.AddSingleton<DatasetLines>();
        services.AddSingleton<DatasetWriter>();
        services.AddSingleton<PatternStore>();
        services.AddSingleton<Signals>();
        services.AddSingleton<EventInterpreter>();
        services.AddSingleton<PipelineLease>();
        services.AddSingleton<DeadLetters>();
        services.AddSingleton<NearDuplicates>();
        services.AddSingleton<PatternPublisher>();
        services.AddSingleton<ProposalSubmitter>();
        services.AddSingleton<ProposalApplier>();
        services.AddSingleton<CoordinatorRouting>();
        services.AddSingleton<Retention>();
        services.AddSingleton<LearningPipeline>();

        if (ServiceEndpoints.TryResolve(builder.Configuration, "knowledgebase") is not null)
        {
            services.AddServiceClient<KnowledgeBaseClient>(KnowledgeBaseClient.ServiceName);
        }

        // The Coordinator's routing settings: read for route-threshold proposals, changed when one is approved.
        if (ServiceEndpoints.TryResolve(builder.Configuration, CoordinatorClient.ServiceName) is not null)
        {
            services.AddServiceClient<CoordinatorClient>(CoordinatorClient.ServiceName);
        }

        if (ServiceEndpoints.TryResolve(builder.Configuration, "ralph") is not null)
        {
            services.AddServiceClient<RalphClient>(RalphClient.ServiceName);
        }

        // Learning's own events go through the same outbox as every service's; with no other destination configured the outbox
        // delivers them to this service's own /events, so they are stored and listed like everyone else's.
        if (ServiceEndpoints.TryResolve(builder.Configuration, "learning") is null)
        {
            services.AddHttpClient(TelemetryShipper.HttpClientName).ConfigureHttpClient((sp, http) => http.BaseAddress ??= OwnAddress(sp));
        }

        // After the database migrator (registered by AddServiceDatabase), so the schema exists when they start.
        services.AddHostedService<JsonlTailService>();
        services.AddHostedService<ProcessingWorker>();
        services.AddHealthChecks().AddCheck<BacklogHealthCheck>("backlog").AddCheck<DeadLetterHealthCheck>("dead_letters");
        return builder;
    }

    /// <summary>The address this service listens on (null until Kestrel has bound, and under an in-memory test server).</summary>
    private static Uri? OwnAddress(IServiceProvider services)
    {
        var address = services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses
            .FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal));
        return address is null ? null : new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public static IEndpointRouteBuilder MapLearningEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ServiceProvider.GetRequiredService<IOptions<LearningOptions>>().Value;
        app.MapEventEndpoints(options.MaxBatchBytes);
        app.MapLearningApi();
        return app;
    }
}
