using System.Globalization;

namespace AiStack.Dashboard.Components.Shared;

/// <summary>How the pages write numbers: invariant, whatever the server's culture.</summary>
public static class Figures
{
    public static string Percent(double share, int decimals = 0) =>
        (share * 100).ToString(decimals == 0 ? "0" : "0." + new string('0', decimals), CultureInfo.InvariantCulture) + "%";
}
