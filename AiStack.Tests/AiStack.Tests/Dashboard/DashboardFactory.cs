using AiStack.Dashboard;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AiStack.Tests.Dashboard;

/// <summary>The control center in-process, its services at the given addresses (unreachable ones by default).</summary>
public sealed class DashboardFactory(IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<DashboardEntryPoint>
{
    public const string ApiKey = "dashboard-signin-test-key";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var all = new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = ApiKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["services:ralph:http:0"] = DashboardTestContext.Unreachable.ToString(),
            ["services:coordinator:http:0"] = DashboardTestContext.Unreachable.ToString(),
            ["services:knowledgebase:http:0"] = DashboardTestContext.Unreachable.ToString(),
            ["services:learning:http:0"] = DashboardTestContext.Unreachable.ToString(),
            ["services:apphost:http:0"] = DashboardTestContext.Unreachable.ToString(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        foreach (var (key, value) in all)
        {
            builder.UseSetting(key, value);
        }
    }
}
