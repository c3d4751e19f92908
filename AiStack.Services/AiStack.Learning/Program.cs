using AiStack.Learning;
using AiStack.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddLearning();

var app = builder.Build();
app.MapLearningEndpoints();
app.MapDefaultEndpoints();
app.RunService();
