using System.Net;
using System.Text;
using AiStack.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AiStack.Tests.ServiceDefaults;

public sealed class ApiKeyEnforcementTests
{
    [Fact]
    public async Task Every_mapped_endpoint_but_the_exempt_ones_refuses_a_request_without_the_api_key()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        using var anonymous = service.Client(withApiKey: false);
        var endpoints = Routes(service);
        Assert.True(endpoints.Count >= 14, $"expected the sample and default endpoints, found {endpoints.Count}");

        foreach (var (method, path, exempt) in endpoints)
        {
            using var request = Request(method, path);
            using var response = await anonymous.SendAsync(request);

            if (exempt)
            {
                Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)response.StatusCode} without a key");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        var exemptPaths = endpoints.Where(endpoint => endpoint.Exempt).Select(endpoint => endpoint.Path).Order().ToList();
        Assert.Equal(["/health", "/health/live", "/health/ready", "/health/startup", "/metrics", "/public/version"], exemptPaths);
    }

    [Fact]
    public async Task A_wrong_api_key_is_refused_and_the_right_one_accepted_on_every_endpoint()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        using var wrong = service.Client(withApiKey: false);
        wrong.DefaultRequestHeaders.Add(ApiKeyStore.HeaderName, TestServiceApp.ApiKey + "x");
        using var right = service.Client();

        foreach (var (method, path, exempt) in Routes(service).Where(endpoint => !endpoint.Exempt))
        {
            using (var refused = await wrong.SendAsync(Request(method, path)))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var accepted = await right.SendAsync(Request(method, path));
            Assert.True(accepted.StatusCode != HttpStatusCode.Unauthorized, $"{method} {path} refused the right key");
        }
    }

    [Fact]
    public async Task A_request_that_matches_no_endpoint_is_refused_without_the_key()
    {
        await using var service = await TestServiceApp.StartAsync(map: SampleEndpoints.Map);
        using var anonymous = service.Client(withApiKey: false);

        using var response = await anonymous.GetAsync(new Uri("/no/such/route", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>Every (method, concrete path) the service answers, from the route table itself.</summary>
    private static List<(string Method, string Path, bool Exempt)> Routes(TestServiceApp service) =>
        service.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (method, Concrete(endpoint.RoutePattern.RawText!),
                    endpoint.Metadata.GetMetadata<AllowWithoutApiKeyAttribute>() is not null)))
            .ToList();

    private static string Concrete(string pattern)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path.Append('/').Append(segment.StartsWith('{') ? "1" : segment);
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    private static HttpRequestMessage Request(string method, string path) =>
        new(new HttpMethod(method), new Uri(path, UriKind.Relative))
        {
            Content = method is "POST" or "PUT" or "PATCH"
                ? new StringContent("{\"title\":\"t\",\"priority\":1}", Encoding.UTF8, "application/json")
                : null,
        };
}
