using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace AiStack.ServiceDefaults.Hosting;

public static class ServiceRunner
{
    /// <summary>
    /// Runs the service until it is stopped. A failure to start (a database file that is not one, invalid options) ends the
    /// process with exit code 1 and one line naming the reason, after the host's own log entry, instead of the runtime's
    /// unhandled-exception dump: the AppHost keeps a service's last lines as its recent errors, and a stack trace would push the
    /// reason out of them.
    /// </summary>
    public static void RunService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            app.Run();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"{app.Environment.ApplicationName} stopped: {Reason(ex)}");
            Environment.ExitCode = 1;
        }
    }

    private static string Reason(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Reason(aggregate.InnerExceptions[0]),
        _ => exception.Message,
    };
}
