using AiStack.Learning;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddLearning();

var app = builder.Build();
app.MapLearningEndpoints();
app.MapDefaultEndpoints();
app.Run();
