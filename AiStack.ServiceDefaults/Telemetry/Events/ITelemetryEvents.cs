namespace AiStack.ServiceDefaults.Telemetry.Events;

/// <summary>
/// Where a service's code records telemetry events. <see cref="Publish"/> appends the event to the service's durable local
/// spool (an outbox) and returns; a background shipper delivers spooled events to the Learning service in batches. It never
/// blocks on Learning and never throws for Learning being down. The event gets its id, time, source service and the current
/// trace id here.
/// </summary>
public interface ITelemetryEvents
{
    /// <param name="type">One of <c>AiStack.Contracts.Telemetry.TelemetryEventTypes</c>.</param>
    /// <param name="payload">An object serialized to a JSON object with snake_case names (an anonymous type, a record, a JsonObject).</param>
    /// <param name="taskId">The Ralph task the event belongs to, where there is one.</param>
    void Publish(string type, object payload, string? taskId = null);
}
