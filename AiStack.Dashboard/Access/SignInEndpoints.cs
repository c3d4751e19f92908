using System.Security.Claims;
using AiStack.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace AiStack.Dashboard.Access;

/// <summary>
/// The control center restarts services and approves tasks, so it asks for the stack's API key once and keeps a sign-in cookie.
/// The key itself never goes back to the browser: the services are called server-side with the key this process holds.
/// </summary>
public static partial class SignInEndpoints
{
    public const string SignInPage = "/signin";
    public const string SignInPath = "/account/signin";
    public const string SignOutPath = "/account/signout";

    public static IEndpointRouteBuilder MapSignInEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(SignInPath, SignInAsync).AllowWithoutApiKey().RequireRateLimiting(AiStack.ServiceDefaults.RateLimitPolicies.Expensive);
        endpoints.MapPost(SignOutPath, (Delegate)SignOutAsync).AllowWithoutApiKey();
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(
        [FromForm(Name = "key")] string? key, [FromForm(Name = "returnUrl")] string? returnUrl, HttpContext http, StackApiKey apiKey, ILoggerFactory loggers)
    {
        var target = LocalOrHome(returnUrl);
        if (!apiKey.Matches(key?.Trim()))
        {
            LogRefused(loggers.CreateLogger(typeof(SignInEndpoints)), http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            return TypedResults.LocalRedirect($"{SignInPage}?failed=true&returnUrl={Uri.EscapeDataString(target)}");
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return TypedResults.LocalRedirect(target);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect(SignInPage);
    }

    // Only paths of this site: a crafted returnUrl must not send a signed-in operator elsewhere.
    private static string LocalOrHome(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a sign-in to the control center from {Remote}: wrong API key")]
    private static partial void LogRefused(ILogger logger, string remote);
}
