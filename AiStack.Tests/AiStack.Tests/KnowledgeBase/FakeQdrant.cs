using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.KnowledgeBase;

/// <summary>
/// A stand-in for Qdrant's REST API (qdrant.tech/documentation, API reference), implementing only what the adapter uses, with
/// the documented request and response shapes: PUT/GET /collections/{name}, PUT /collections/{name}/index,
/// PUT /collections/{name}/points, POST .../points/search, .../points/delete, .../points/count. Requests without the expected
/// api-key get 401, and every request is recorded so tests can assert what the adapter sent.
/// </summary>
public sealed class FakeQdrant : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Collection> _collections = new();

    public sealed record Recorded(string Method, string Path, string Query, JsonNode? Body);

    public sealed class Collection(int size, string distance)
    {
        public int Size { get; } = size;

        public string Distance { get; } = distance;

        public ConcurrentDictionary<ulong, (float[] Vector, JsonObject Payload)> Points { get; } = new();

        public ConcurrentBag<string> IndexedFields { get; } = [];
    }

    public ConcurrentQueue<Recorded> Requests { get; } = new();

    public IReadOnlyDictionary<string, Collection> Collections => _collections;

    public string ApiKey { get; }

    public Uri Address { get; private set; } = null!;

    /// <summary>Makes point upserts fail with 500, as a Qdrant that runs out of disk would.</summary>
    public bool FailUpserts { get; set; }

    private FakeQdrant(string apiKey)
    {
        ApiKey = apiKey;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            JsonNode? body = null;
            if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                body = await JsonNode.ParseAsync(context.Request.Body);
            }

            context.Items["body"] = body;
            Requests.Enqueue(new Recorded(context.Request.Method, context.Request.Path, context.Request.QueryString.Value ?? "", body));
            if (context.Request.Headers["api-key"] != ApiKey)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("Must provide an API key or an Authorization bearer token");
                return;
            }

            await next(context);
        });
        Map();
    }

    public static async Task<FakeQdrant> StartAsync(string apiKey = "qdrant-test-key")
    {
        var fake = new FakeQdrant(apiKey);
        await fake._app.StartAsync();
        var address = fake._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Address = new Uri(address);
        return fake;
    }

    private static JsonNode? Body(HttpContext context) => (JsonNode?)context.Items["body"];

    private static IResult Ok(object result) => Results.Json(new { result, status = "ok", time = 0.0001 });

    private static IResult NotFound(string name) =>
        Results.Json(new { status = new { error = $"Not found: Collection `{name}` doesn't exist!" }, time = 0.0 }, statusCode: 404);

    private void Map()
    {
        _app.MapGet("/collections", () => Ok(new { collections = _collections.Keys.Select(k => new { name = k }) }));
        _app.MapGet("/collections/{name}", (string name) => _collections.TryGetValue(name, out var c)
            ? Ok(new { status = "green", points_count = c.Points.Count, config = new { @params = new { vectors = new { size = c.Size, distance = c.Distance } } } })
            : NotFound(name));
        _app.MapPut("/collections/{name}", (string name, HttpContext context) =>
        {
            var vectors = Body(context)!["vectors"]!;
            if (!_collections.TryAdd(name, new Collection(vectors["size"]!.GetValue<int>(), vectors["distance"]!.GetValue<string>())))
            {
                return Results.Json(new { status = new { error = $"Wrong input: Collection `{name}` already exists!" } }, statusCode: 409);
            }

            return Ok(true);
        });
        // Qdrant answers 200 with result false for a collection that does not exist.
        _app.MapDelete("/collections/{name}", (string name) => Ok(_collections.TryRemove(name, out _)));
        _app.MapPut("/collections/{name}/index", (string name, HttpContext context) =>
        {
            if (!_collections.TryGetValue(name, out var c))
            {
                return NotFound(name);
            }

            c.IndexedFields.Add(Body(context)!["field_name"]!.GetValue<string>());
            return Ok(new { operation_id = 1, status = "completed" });
        });
        _app.MapPut("/collections/{name}/points", (string name, HttpContext context) =>
        {
            if (!_collections.TryGetValue(name, out var c))
            {
                return NotFound(name);
            }

            if (FailUpserts)
            {
                return Results.Json(new { status = new { error = "Service internal error: No space left on device" } }, statusCode: 500);
            }

            foreach (var point in Body(context)!["points"]!.AsArray())
            {
                var vector = point!["vector"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
                if (vector.Length != c.Size)
                {
                    return Results.Json(new { status = new { error = $"Wrong input: Vector dimension error: expected dim: {c.Size}, got {vector.Length}" } }, statusCode: 400);
                }

                c.Points[point["id"]!.GetValue<ulong>()] = (vector, point["payload"]!.AsObject());
            }

            return Ok(new { operation_id = 2, status = "completed" });
        });
        _app.MapPost("/collections/{name}/points/search", (string name, HttpContext context) =>
        {
            if (!_collections.TryGetValue(name, out var c))
            {
                return NotFound(name);
            }

            var body = Body(context)!;
            var query = body["vector"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
            var limit = body["limit"]!.GetValue<int>();
            var threshold = body["score_threshold"]?.GetValue<float>() ?? float.MinValue;
            var filter = body["filter"];
            var hits = c.Points
                .Where(p => Matches(p.Value.Payload, filter))
                .Select(p => (p.Key, p.Value.Payload, Score: Cosine(p.Value.Vector, query)))
                .Where(p => p.Score >= threshold)
                .OrderByDescending(p => p.Score)
                .Take(limit)
                .Select(p => new { id = p.Key, version = 0, score = p.Score, payload = body["with_payload"]?.GetValue<bool>() == true ? p.Payload : null })
                .ToList();
            return Ok(hits);
        });
        _app.MapPost("/collections/{name}/points/delete", (string name, HttpContext context) =>
        {
            if (!_collections.TryGetValue(name, out var c))
            {
                return NotFound(name);
            }

            var body = Body(context)!;
            if (body["points"] is JsonArray ids)
            {
                foreach (var id in ids)
                {
                    c.Points.TryRemove(id!.GetValue<ulong>(), out _);
                }
            }
            else
            {
                foreach (var key in c.Points.Where(p => Matches(p.Value.Payload, body["filter"])).Select(p => p.Key).ToList())
                {
                    c.Points.TryRemove(key, out _);
                }
            }

            return Ok(new { operation_id = 3, status = "completed" });
        });
        _app.MapPost("/collections/{name}/points/count", (string name) =>
            _collections.TryGetValue(name, out var c) ? Ok(new { count = c.Points.Count }) : NotFound(name));
    }

    /// <summary>Qdrant's filter semantics for what the adapter sends: every "must" condition matches its payload value exactly.</summary>
    private static bool Matches(JsonObject payload, JsonNode? filter)
    {
        if (filter is null)
        {
            return true;
        }

        foreach (var condition in filter["must"]!.AsArray())
        {
            var key = condition!["key"]!.GetValue<string>();
            var expected = condition["match"]!["value"]!;
            if (!payload.TryGetPropertyValue(key, out var actual) || actual is null || actual.ToJsonString() != expected.ToJsonString())
            {
                return false;
            }
        }

        return true;
    }

    private static float Cosine(float[] a, float[] b) => TensorPrimitives.CosineSimilarity(a, b);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static string Json(JsonNode? node) => node?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? "null";
}
