using AiStack.ServiceDefaults.Security;
using AiStack.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace AiStack.ServiceDefaults.OpenApi;

/// <summary>
/// Every service's OpenAPI document (<c>GET /openapi/v1.json</c>, with the stack's key): its operations, their parameters and the
/// request body schemas of the contract records, with the required fields and limits those records declare. Clients and the
/// fuzzer in the tests read it.
/// </summary>
public static class OpenApiDocuments
{
    public const string Route = "/openapi/{documentName}.json";

    public const string Path = "/openapi/v1.json";

    private const string ApiKeyScheme = "ApiKey";

    public static void Configure(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, context, _) =>
        {
            var identity = context.ApplicationServices.GetRequiredService<ServiceIdentity>();
            document.Info = new OpenApiInfo { Title = "AiStack " + identity.Name, Version = identity.Version };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyStore.HeaderName,
                Description = "The stack's key (.aistack/api-key) or a service key derived from it.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] }];
            return Task.CompletedTask;
        });
    }
}
