using System.Text.Json;
using AiStack.Clients;

namespace AiStack.Dashboard.Components.Shared;

/// <summary>
/// One service's part of a page: its last answer, or why there is none. Each section loads on its own, so a dead or slow
/// service shows its error state while the rest of the page stays current.
/// </summary>
public sealed class Section<T>(string service) where T : class
{
    public string Service { get; } = service;

    public T? Value { get; private set; }

    public string? Error { get; private set; }

    public bool Loaded { get; private set; }

    public async Task LoadAsync(Func<CancellationToken, Task<T>> load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        try
        {
            Value = await load(cancellationToken);
            Error = null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && SectionErrors.IsServiceFailure(ex))
        {
            Value = null;
            Error = SectionErrors.Describe(Service, ex);
        }

        Loaded = true;
    }
}

public static class SectionErrors
{
    public static bool IsServiceFailure(Exception ex) =>
        ex is HttpRequestException or TaskCanceledException or TimeoutException or ServiceCallException or JsonException or NotSupportedException
            or k8s.Autorest.HttpOperationException or k8s.Exceptions.KubeConfigException;

    public static string Describe(string service, Exception ex) => ex switch
    {
        TaskCanceledException or TimeoutException => $"{service} did not answer in time.",
        ServiceCallException { InnerException: HttpRequestException transport } => $"{service} is unreachable: {transport.Message}",
        ServiceCallException call => $"{service} refused: {call.Message}",
        HttpRequestException http => $"{service} is unreachable: {http.Message}",
        _ => $"{service} answered something unexpected: {ex.Message}",
    };
}
