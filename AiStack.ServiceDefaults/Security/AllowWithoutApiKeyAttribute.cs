namespace AiStack.ServiceDefaults.Security;

/// <summary>Endpoint metadata: this endpoint answers without the stack's API key (health probes, metrics scrapes).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method | AttributeTargets.Delegate)]
public sealed class AllowWithoutApiKeyAttribute : Attribute;
