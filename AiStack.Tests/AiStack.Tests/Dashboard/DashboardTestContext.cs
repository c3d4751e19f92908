using AiStack.Dashboard;
using AiStack.ServiceDefaults.Security;
using Bunit;
using Bunit.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace AiStack.Tests.Dashboard;

/// <summary>
/// A bunit context with the control center's own registrations (options, typed clients, restarter) pointed at the fixture's
/// real services, or at a closed port for a service that is down. MudBlazor's popover provider is rendered beside the page.
/// </summary>
public sealed class DashboardTestContext : BunitContext
{
    /// <summary>Nothing listens on the discard port: a service there is unreachable at once.</summary>
    public static readonly Uri Unreachable = new("http://127.0.0.1:9/");

    public DashboardTestContext(DashboardServicesFixture services, params string[] down)
    {
        ArgumentNullException.ThrowIfNull(services);
        Uri Address(string name, Uri real) => down.Contains(name) ? Unreachable : real;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Security:ApiKey"] = DashboardServicesFixture.ApiKey,
            ["services:ralph:http:0"] = Address("ralph", services.Ralph).ToString(),
            ["services:coordinator:http:0"] = Address("coordinator", services.Coordinator).ToString(),
            ["services:knowledgebase:http:0"] = Address("knowledgebase", services.KnowledgeBase).ToString(),
            ["services:learning:http:0"] = Address("learning", services.Learning).ToString(),
            // No AppHost runs beside the component tests: restarts are the browser tests' part.
            ["services:apphost:http:0"] = Unreachable.ToString(),
            ["Dashboard:RefreshSeconds"] = "0.3",
            ["Dashboard:ServiceTimeoutSeconds"] = "10",
        }).Build();
        Services.AddSingleton<IConfiguration>(configuration);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<StackApiKey>();
        Services.AddLogging();
        Services.AddMudServices();
        Services.AddDashboardClients(configuration);
        // The real control center calls its siblings through ServiceDefaults, which adds its key to every such request; the
        // component tests host no ServiceDefaults, so they send the stack's key the same way.
        Services.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler(() => new StackKeyHandler(DashboardServicesFixture.ApiKey)));
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", true));
    }

    /// <summary>Renders <typeparamref name="TPage"/> with MudBlazor's popover provider beside it (selects and menus need it).</summary>
    public IRenderedComponent<ContainerFragment> RenderPage<TPage>(params (string Name, object? Value)[] parameters) where TPage : IComponent =>
        Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(1);
            foreach (var (name, value) in parameters)
            {
                builder.AddComponentParameter(2, name, value);
            }

            builder.CloseComponent();
        });
}

/// <summary>Adds the stack's key to a request that carries none.</summary>
internal sealed class StackKeyHandler(string key) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains("X-API-Key"))
        {
            request.Headers.TryAddWithoutValidation("X-API-Key", key);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
