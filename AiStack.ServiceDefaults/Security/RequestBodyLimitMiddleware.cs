using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// Applies <c>Limits:MaxRequestBodyBytes</c> (or an endpoint's own <see cref="IRequestSizeLimitMetadata"/>) to every request:
/// a declared length over the limit is refused at once with 413; an undeclared (chunked) body is cut off when it passes the limit.
/// Kestrel enforces the same limit itself; this also covers servers that do not (the test server) and per-endpoint limits.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptionsMonitor<RequestLimitsOptions> options, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } endpointLimit
            ? endpointLimit.MaxRequestBodySize
            : options.CurrentValue.MaxRequestBodyBytes;
        if (limit is not { } max)
        {
            await next(context);
            return;
        }

        context.Items[EffectiveLimitKey] = max;

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit)
        {
            serverLimit.MaxRequestBodySize = max;
        }

        if (context.Request.ContentLength > max)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = "Request body too large", Detail = TooLarge(max) },
            });
            return;
        }

        if (context.Request.ContentLength is null && context.Request.Body != Stream.Null)
        {
            context.Request.Body = new LengthLimitedStream(context.Request.Body, max);
        }

        await next(context);
    }

    /// <summary>Where the limit that applied to this request is kept, for the 413 answer written later.</summary>
    internal static readonly object EffectiveLimitKey = new();

    internal static string TooLarge(long max) =>
        $"The request body is larger than the {max} bytes this endpoint accepts (setting Limits:MaxRequestBodyBytes).";

    /// <summary>Reads through to the body and fails, as Kestrel does, once more than the limit has been read.</summary>
    private sealed class LengthLimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > limit
                ? throw new BadHttpRequestException(TooLarge(limit), StatusCodes.Status413PayloadTooLarge)
                : read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
