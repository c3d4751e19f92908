using System.Net;

namespace AiStack.Clients;

/// <summary>
/// A call to an AiStack service that did not succeed: the service answered an error (<see cref="HttpRequestException.StatusCode"/> and the
/// problem details it sent), or it could not be reached (no status code). The message names the service, the address and the reason.
/// </summary>
public sealed class ServiceCallException : HttpRequestException
{
    public ServiceCallException(string service, string message, HttpStatusCode? statusCode = null, ServiceProblem? problem = null, Exception? inner = null)
        : base(message, inner, statusCode)
    {
        Service = service;
        Problem = problem;
    }

    public ServiceCallException()
        : this("unknown", "The service call failed.")
    {
    }

    public ServiceCallException(string message)
        : this("unknown", message)
    {
    }

    public ServiceCallException(string message, Exception innerException)
        : this("unknown", message, inner: innerException)
    {
    }

    /// <summary>The service's name (ralph, knowledgebase, coordinator, learning, apphost).</summary>
    public string Service { get; }

    /// <summary>The RFC 7807 body of an error answer, when it sent one.</summary>
    public ServiceProblem? Problem { get; }
}

/// <summary>RFC 7807 problem details as the services write them; <see cref="Errors"/> names each invalid field and its rule.</summary>
public sealed record ServiceProblem
{
    public string? Type { get; init; }
    public string? Title { get; init; }
    public int? Status { get; init; }
    public string? Detail { get; init; }
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }
}
