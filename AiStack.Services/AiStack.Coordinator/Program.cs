using AiStack.Coordinator;
using AiStack.Coordinator.OpenAi;
using AiStack.Coordinator.Queries;
using AiStack.Coordinator.Settings;
using AiStack.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCoordinator();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapQueryEndpoints();
app.MapOpenAiEndpoints();
app.MapSettingsEndpoints();
app.RunService();
