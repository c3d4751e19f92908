namespace AiStack.ServiceDefaults.Discovery;

/// <summary>A sibling service's resolved address; named options, one instance per service name.</summary>
public sealed class ServiceEndpointOptions
{
    public Uri? BaseAddress { get; set; }
}
