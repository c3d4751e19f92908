using AiStack.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AiStack.Tests.ServiceDefaults;

/// <summary>Endpoints shaped like a real service's: a feature group with route values, bodies and query parameters.</summary>
internal static class SampleEndpoints
{
    public sealed record NoteRequest(string Title, int Priority, string[]? Tags);

    public sealed record NoteResponse(string Title, int Priority);

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var notes = endpoints.MapGroup("/notes");
        notes.MapGet("", (int? limit) => Results.Ok(new { notes = Array.Empty<string>(), limit }));
        notes.MapGet("/{id:int}", (int id) => Results.Ok(new { id }));
        notes.MapPost("", (NoteRequest note) => TypedResults.Created($"/notes/1", new NoteResponse(note.Title, note.Priority)));
        notes.MapPut("/{id:int}", (int id, NoteRequest note) => Results.Ok(new { id, note.Title }));
        notes.MapDelete("/{id:int}", (int id) => Results.NoContent());
        notes.MapPost("/search", (NoteRequest note) => Results.Ok(new { found = 0 })).RequireRateLimiting(RateLimitPolicies.Expensive);
        endpoints.MapGet("/fail", string () => throw new InvalidOperationException("secret connection string: Password=hunter2"));
        endpoints.MapGet("/public/version", () => Results.Ok(new { version = "1" })).AllowWithoutApiKey();
        endpoints.MapMethods("/notes/{id:int}/archive", ["PATCH"], (int id) => Results.Ok(new { id }));
    }
}
