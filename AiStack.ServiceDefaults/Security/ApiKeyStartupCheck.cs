using AiStack.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// Looks the stack's key up when the host starts, so a key file that is empty, unreadable or open to other users stops the
/// service at once with one clear message instead of failing the first request.
/// </summary>
internal sealed partial class ApiKeyStartupCheck(StackApiKey apiKey, ServiceIdentity identity, ILogger<ApiKeyStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _ = apiKey.ServiceKey(identity.KeyName);
        }
        catch (InvalidOperationException ex)
        {
            LogRefused(logger, ex.Message);
            throw;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Critical, Message = "The service cannot start: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
