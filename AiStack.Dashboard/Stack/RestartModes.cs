namespace AiStack.Dashboard.Stack;

public static class RestartModes
{
    public const string AppHost = "apphost";
    public const string Kubernetes = "kubernetes";
}
