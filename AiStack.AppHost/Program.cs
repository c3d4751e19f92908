using AiStack.AppHost.Model;

// The stack, declared as in .NET Aspire. Adding a service is one line here (and a ProjectReference in the .csproj).
// Which resources start depends on the profile (--profile) and the tier (--tier); see README.md.
var builder = StackBuilder.Create(args);

var postgres = builder.AddPostgres("postgres");
var redis = builder.AddRedis("redis");
var qdrant = builder.AddConnectionString("qdrant");

var knowledgeBase = builder.AddProject<Projects.AiStack_KnowledgeBase>("knowledgebase", port: 8091)
    .WithReference(postgres).WaitFor(postgres)
    .WithReference(redis).WaitFor(redis)
    .WithReference(qdrant)
    .WithConfiguration(builder.Configuration, "Embeddings", "Inference");

var learning = builder.AddProject<Projects.AiStack_Learning>("learning", port: 8095)
    .WithReference(postgres).WaitFor(postgres)
    .WithReference(knowledgeBase).WaitFor(knowledgeBase)
    .WithConfiguration(builder.Configuration, "Learning");

// The telemetry outbox ships to Learning (services__learning__http__0); no WaitFor: events wait in the spool until it is up.
knowledgeBase.WithReference(learning);

var coordinator = builder.AddProject<Projects.AiStack_Coordinator>("coordinator", port: 8092)
    .WithReference(knowledgeBase).WaitFor(knowledgeBase)
    .WithReference(learning)
    .WithConfiguration(builder.Configuration, "Inference", "Remote", "Routing", "ResponseCache", "Backends");

var ralph = builder.AddProject<Projects.AiStack_Ralph>("ralph", port: 8098)
    .WithReference(postgres).WaitFor(postgres)
    .WithReference(knowledgeBase).WaitFor(knowledgeBase)
    .WithReference(coordinator).WaitFor(coordinator)
    .WithReference(learning)
    .WithConfiguration(builder.Configuration, "Ralph");

// Learning submits its optimization proposals to Ralph as approval-gated tasks; they wait in its store until Ralph is up.
learning.WithReference(ralph);

// The control center reads every service and restarts them through this AppHost's control API (services__apphost__http__0).
builder.AddProject<Projects.AiStack_Dashboard>("dashboard", port: 8888)
    .WithReference(knowledgeBase).WaitFor(knowledgeBase)
    .WithReference(coordinator).WaitFor(coordinator)
    .WithReference(learning).WaitFor(learning)
    .WithReference(ralph).WaitFor(ralph)
    .WithEnvironment("services__apphost__http__0", $"http://127.0.0.1:{builder.ControlPort}")
    .WithConfiguration(builder.Configuration, "Dashboard");

return await builder.Build().RunAsync();
