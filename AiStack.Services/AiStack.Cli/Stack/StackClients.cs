using AiStack.Clients;

namespace AiStack.Cli.Stack;

/// <summary>A problem the CLI reports in one line (a bad argument, a file it cannot read) rather than a service's answer.</summary>
public sealed class StackException(string message) : Exception(message);

/// <summary>The typed clients of the stack's services, for one <see cref="StackConnection"/> (addresses and the API key).</summary>
public sealed class StackClients : IDisposable
{
    private readonly List<HttpClient> _http = [];

    public StackClients(StackConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Connection = connection;
        Ralph = new RalphClient(Http(RalphClient.ServiceName));
        KnowledgeBase = new KnowledgeBaseClient(Http(KnowledgeBaseClient.ServiceName));
        Coordinator = new CoordinatorClient(Http(CoordinatorClient.ServiceName));
        Learning = new LearningClient(Http(LearningClient.ServiceName));
        Control = new StackControlClient(Http(StackControlClient.ServiceName));
    }

    public StackConnection Connection { get; }

    public RalphClient Ralph { get; }

    public KnowledgeBaseClient KnowledgeBase { get; }

    public CoordinatorClient Coordinator { get; }

    public LearningClient Learning { get; }

    /// <summary>The AppHost's control API.</summary>
    public StackControlClient Control { get; }

    /// <summary>The services with a <c>/health</c> of their own, by name.</summary>
    public IReadOnlyList<ServiceClient> Services => [Coordinator, KnowledgeBase, Learning, Ralph];

    public void Dispose()
    {
        foreach (var http in _http)
        {
            http.Dispose();
        }
    }

    private HttpClient Http(string service)
    {
        var http = StackHttp.Create(Connection[service], Connection.ApiKey);
        _http.Add(http);
        return http;
    }
}
