namespace AiStack.Dashboard;

/// <summary>Names this assembly for WebApplicationFactory (every service has its own top-level Program).</summary>
public sealed class DashboardEntryPoint;
