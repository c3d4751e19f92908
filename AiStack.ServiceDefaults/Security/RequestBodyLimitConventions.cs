using Microsoft.AspNetCore.Http.Metadata;

namespace Microsoft.AspNetCore.Builder;

public static class RequestBodyLimitConventions
{
    /// <summary>
    /// Gives the endpoint(s) their own body limit instead of <c>Limits:MaxRequestBodyBytes</c> (larger for uploads, smaller for
    /// small commands); null removes the limit. Kestrel is told per request, so a larger limit works there too.
    /// </summary>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, long? maxBytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestBodyLimit(maxBytes));

    private sealed class RequestBodyLimit(long? maxBytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => maxBytes;
    }
}
