using AiStack.KnowledgeBase;
using AiStack.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKnowledgeBase();

var app = builder.Build();
app.MapKnowledgeBaseEndpoints();
app.MapDefaultEndpoints();
app.RunService();
