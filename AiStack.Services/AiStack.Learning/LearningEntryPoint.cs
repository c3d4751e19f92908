namespace AiStack.Learning;

/// <summary>Names this service's assembly for WebApplicationFactory (every service has its own top-level Program).</summary>
public sealed class LearningEntryPoint;
