using AiStack.Ralph;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddRalph();

var app = builder.Build();
app.MapRalphEndpoints();
app.MapDefaultEndpoints();
app.Run();
