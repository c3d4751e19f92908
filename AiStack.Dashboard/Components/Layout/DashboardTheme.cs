using MudBlazor;

namespace AiStack.Dashboard.Components.Layout;

/// <summary>MudBlazor's default theme with a system font stack: Roboto comes from a font CDN that a self-hosted stack may not reach.</summary>
public static class DashboardTheme
{
    private static readonly string[] Fonts = ["system-ui", "-apple-system", "Segoe UI", "DejaVu Sans", "Liberation Sans", "Helvetica", "Arial", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        Typography = new Typography { Default = new DefaultTypography { FontFamily = Fonts } },
    };
}
