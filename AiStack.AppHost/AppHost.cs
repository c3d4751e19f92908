using System.Globalization;
using AiStack.AppHost.Publishing;
using AiStack.AppHost.Servers;
using AiStack.AppHost.Stack;
using AiStack.AppHost.Supervision;

// The stack as an Aspire AppHost. Which servers run depends on the profile (--profile), the services' settings on the tier
// (--tier); see README.md. Adding a service is one AddProject line here (and a ProjectReference in the .csproj).
// `publish` writes the Kubernetes manifests (aspirate-output/) from this app model's Aspire manifest instead of running the stack.
if (PublishCommand.IsInvoked(args))
{
    Environment.ExitCode = await PublishCommand.RunAsync(args);
    return;
}

var arguments = StackOptions.NormalizeArguments(args, Environment.GetEnvironmentVariable);
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
{
    Args = arguments,
    DisableDashboard = StackOptions.DashboardDisabled(arguments),
});
var stack = builder.AddStackOptions();

var apiKey = builder.AddStackApiKey(stack);
var postgres = builder.AddStackPostgres(stack);
var redis = builder.AddStackRedis(stack);
var qdrant = builder.AddStackQdrant();

var knowledgeBase = builder.AddProject<Projects.AiStack_KnowledgeBase>("knowledgebase")
    .WithStackDefaults(stack, apiKey, port: 8091)
    .WithDatabase(postgres)
    .WithServer(redis, "redis")
    .WithServer(qdrant, "qdrant")
    .WithConfiguration("Embeddings", "Inference");

var learning = builder.AddProject<Projects.AiStack_Learning>("learning")
    .WithStackDefaults(stack, apiKey, port: 8095)
    .WithDatabase(postgres)
    .WithReference(knowledgeBase).WaitFor(knowledgeBase)
    .WithConfiguration("Learning");

// The telemetry outbox ships to Learning (services__learning__http__0); no WaitFor: events wait in the spool until it is up.
knowledgeBase.WithReference(learning);

var coordinator = builder.AddProject<Projects.AiStack_Coordinator>("coordinator")
    .WithStackDefaults(stack, apiKey, port: 8092)
    .WithServer(redis, "redis")
    .WithReference(knowledgeBase).WaitFor(knowledgeBase)
    .WithReference(learning)
    .WithConfiguration("Inference", "Remote", "Routing", "ResponseCache", "Backends");

var ralph = builder.AddProject<Projects.AiStack_Ralph>("ralph")
    .WithStackDefaults(stack, apiKey, port: 8098)
    .WithPublishedReplicas(stack.TierSettings.RalphReplicas)
    .WithDatabase(postgres)
    .WithReference(knowledgeBase).WaitFor(knowledgeBase)
    // No WaitFor: Ralph calls the Coordinator only when a task runs, and starting beside it saves a step of the start-up chain.
    .WithReference(coordinator)
    .WithReference(learning)
    .WithConfiguration("Ralph");

// Learning submits its optimization proposals to Ralph as approval-gated tasks; they wait in its store until Ralph is up.
// An approved route-threshold proposal changes the Coordinator's live settings (PATCH /settings).
learning.WithReference(ralph).WithReference(coordinator);

// The control center reads every service and restarts them through the AppHost's control API. It waits for none of them: it
// shows each service's state as it comes up (and while one is down), so it starts at once beside the first.
var controlApi = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{stack.ControlPort}");
builder.AddProject<Projects.AiStack_Dashboard>("dashboard")
    .WithStackDefaults(stack, apiKey, port: 8888)
    .WithExternalHttpEndpoints()
    .WithReference(knowledgeBase)
    .WithReference(coordinator)
    .WithReference(learning)
    .WithReference(ralph)
    .WithEnvironment("services__apphost__http__0", controlApi)
    .WithConfiguration("Dashboard");

builder.AddStackSupervision(stack, apiKey);
builder.Build().Run();
