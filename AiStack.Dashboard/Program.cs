using AiStack.Dashboard;
using AiStack.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddDashboard();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDashboard();
app.RunService();
