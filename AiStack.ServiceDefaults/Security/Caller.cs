using System.Security.Claims;

namespace AiStack.ServiceDefaults.Security;

public enum CallerKind
{
    User,
    Service,
}

/// <summary>
/// Who is calling, as established by the API-key check: the user (anyone holding the stack's key) or one of the stack's services.
/// It is the request's <see cref="ClaimsPrincipal"/> from then on; rate limits are partitioned by <see cref="Name"/>.
/// </summary>
public sealed record Caller(CallerKind Kind, string Name)
{
    public const string AuthenticationType = "AiStackApiKey";
    public const string KindClaim = "aistack:caller_kind";

    public static Caller User { get; } = new(CallerKind.User, "user");

    public static Caller Service(string name) => new(CallerKind.Service, "service:" + name);

    public ClaimsPrincipal ToPrincipal() =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, Name), new Claim(KindClaim, Kind == CallerKind.User ? "user" : "service")], AuthenticationType));

    /// <summary>The caller the API-key check found for this request; null when none was presented or it was not valid.</summary>
    public static Caller? Of(ClaimsPrincipal? principal) =>
        principal?.Identity is { IsAuthenticated: true, AuthenticationType: AuthenticationType, Name: { } name }
            ? new Caller(principal.FindFirst(KindClaim)?.Value == "service" ? CallerKind.Service : CallerKind.User, name)
            : null;
}
