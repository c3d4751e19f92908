using AiStack.Clients;
using AiStack.Dashboard.Access;
using AiStack.Dashboard.Clients;
using AiStack.Dashboard.Components;
using AiStack.Dashboard.Stack;
using k8s;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace AiStack.Dashboard;

public static class DashboardExtensions
{
    /// <summary>The control center's parts: Blazor with MudBlazor, the sign-in cookie, one typed client per service, the restarter.</summary>
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The AppHost runs the build output in Production: the static web assets manifest of the build (MudBlazor's files,
        // blazor.web.js) is what serves them there; a published app has them in wwwroot and no manifest, so this is a no-op.
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.LoginPath = SignInEndpoints.SignInPage;
            options.Cookie.Name = "aistack-dashboard";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.ExpireTimeSpan = TimeSpan.FromHours(12);
            options.SlidingExpiration = true;
        });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        // Sign-in cookies survive a restart of the control center when the stack has a home to keep the keys in.
        if (builder.Configuration["AISTACK_HOME"] is { Length: > 0 } home)
        {
            services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(home, "data", "dashboard-keys")));
        }

        services.AddDashboardClients(builder.Configuration);
        return builder;
    }

    /// <summary>The options, one typed client per service the pages read, and the restarter that <c>Dashboard:Restarts</c> names.</summary>
    public static IServiceCollection AddDashboardClients(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        AddServiceClient<RalphClient>(services, ServiceNames.Ralph);
        AddServiceClient<CoordinatorClient>(services, ServiceNames.Coordinator);
        AddServiceClient<KnowledgeBaseClient>(services, ServiceNames.KnowledgeBase);
        AddServiceClient<LearningClient>(services, ServiceNames.Learning);
        AddRestarts(services, configuration);
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        // The pages sit behind the sign-in cookie, not the X-API-Key header that service-to-service calls carry.
        app.MapStaticAssets().AllowWithoutApiKey();
        app.MapSignInEndpoints();
        app.MapDatasetDownload();
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization()
            .AllowWithoutApiKey();
        return app;
    }

    // The pages poll: a retry would only hold a section back, and a slow service must show as such within the timeout.
    private static void AddServiceClient<TClient>(IServiceCollection services, string name) where TClient : class =>
        services.AddServiceClient<TClient>(name)
            .ConfigureHttpClient((provider, http) => http.Timeout = provider.GetRequiredService<IOptions<DashboardOptions>>().Value.ServiceTimeout)
            .WithoutResilience();

    private static void AddRestarts(IServiceCollection services, IConfiguration configuration)
    {
        var mode = configuration[$"{DashboardOptions.SectionName}:{nameof(DashboardOptions.Restarts)}"] ?? RestartModes.AppHost;
        if (mode == RestartModes.Kubernetes)
        {
            // In the cluster: the pod's service account (InClusterConfig); elsewhere the usual kubeconfig.
            services.AddSingleton<IKubernetes>(_ => new Kubernetes(KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile()));
            services.AddSingleton<IServiceRestarter, KubernetesRestarter>();
            return;
        }

        services.AddServiceClient<StackControlClient>(StackControlClient.ServiceName)
            .ConfigureHttpClient((provider, http) => http.Timeout = TimeSpan.FromSeconds(provider.GetRequiredService<IOptions<DashboardOptions>>().Value.RestartTimeoutSeconds))
            .WithoutResilience();
        services.AddTransient<IServiceRestarter, AppHostRestarter>();
    }
}
