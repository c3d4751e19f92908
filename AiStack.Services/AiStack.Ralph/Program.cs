using AiStack.Ralph;
using AiStack.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddRalph();

var app = builder.Build();
app.MapRalphEndpoints();
app.MapDefaultEndpoints();
app.RunService();
