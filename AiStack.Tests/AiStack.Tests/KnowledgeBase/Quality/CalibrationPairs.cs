namespace AiStack.Tests.KnowledgeBase.Quality;

/// <summary>
/// Labelled prompt pairs for the thresholds (written for this project). <see cref="SameQuestion"/>: one question reworded, where a
/// cached answer is right; <see cref="DifferentQuestion"/>: close wording but another question (negated, another subject, another
/// setting), where a cached answer would be wrong; <see cref="Unanswerable"/>: questions the labelled set has no answer for.
/// </summary>
public static class CalibrationPairs
{
    public static readonly IReadOnlyList<(string A, string B)> SameQuestion =
    [
        ("How do I enable the cache?", "How can I enable the cache?"),
        ("How do I enable the cache?", "how do i enable the cache"),
        ("What port does the knowledge base listen on?", "Which port does the knowledge base listen on?"),
        ("How do I rotate the API key?", "How do I rotate the API key of the stack?"),
        ("Why does the build fail with NU1603?", "Why does my build fail with NU1603?"),
        ("How do I start PostgreSQL?", "How can I start PostgreSQL?"),
        ("Where are the SQLite files stored?", "Where are the SQLite files kept?"),
        ("How do I restart a service from the dashboard?", "How can I restart a service from the dashboard?"),
        ("What does exit code 2 mean for Ralph?", "What does exit code 2 mean in Ralph?"),
        ("How do I set the number of threads for the local model?", "How do I set the thread count for the local model?"),
        ("Explain the routing threshold.", "Explain the routing threshold please."),
        ("How are documents chunked?", "How are the documents chunked?"),
        ("List the knowledge collections.", "List all knowledge collections."),
        ("How do I publish Kubernetes manifests?", "How can I publish the Kubernetes manifests?"),
        ("What happens when Redis is down?", "What happens if Redis is down?"),
        ("How do I change the embedding model?", "How can I change the embedding model?"),
        ("What is the default chunk size?", "What's the default chunk size?"),
        ("How do I approve a proposal?", "How do I approve a learning proposal?"),
        ("Show me the retry pattern.", "Show me the retry pattern"),
        ("How do I configure the response cache?", "How should I configure the response cache?"),
    ];

    public static readonly IReadOnlyList<(string A, string B)> DifferentQuestion =
    [
        ("How do I enable the cache?", "Why do I not enable the cache?"),
        ("How do I enable the cache?", "How do I disable the cache?"),
        ("Should I enable the cache?", "Should I not enable the cache?"),
        ("Is the cache enabled by default?", "Is the cache disabled by default?"),
        ("What port does the knowledge base listen on?", "What port does the coordinator listen on?"),
        ("How do I rotate the API key?", "How do I revoke the API key?"),
        ("How do I start PostgreSQL?", "How do I stop PostgreSQL?"),
        ("How do I start PostgreSQL?", "How do I start Redis?"),
        ("Why does the build fail with NU1603?", "Why does the build fail with NU1605?"),
        ("Where are the SQLite files stored?", "Where are the log files stored?"),
        ("How do I restart a service from the dashboard?", "How do I stop a service from the dashboard?"),
        ("What does exit code 2 mean for Ralph?", "What does exit code 1 mean for Ralph?"),
        ("Can the router send private prompts to the cloud?", "Can the router never send private prompts to the cloud?"),
        ("Does Ralph commit after every iteration?", "Does Ralph not commit after every iteration?"),
        ("How do I increase the iteration limit?", "How do I decrease the iteration limit?"),
        ("How do I add a document?", "How do I delete a document?"),
        ("What is the default chunk size?", "What is the default chunk overlap?"),
        ("How do I approve a proposal?", "How do I reject a proposal?"),
        ("Is the local model used for private requests?", "Is the remote model used for private requests?"),
        ("Why is the remote budget exhausted?", "Why is the remote budget not exhausted?"),
    ];

    public static readonly IReadOnlyList<string> Unanswerable =
    [
        "How do I configure SAML single sign-on for the dashboard?",
        "What is a good recipe for pancakes?",
        "Which GraphQL schema does the billing service expose?",
        "How do I compile the project for iOS?",
        "Who won the football match last night?",
        "How do I set up two-factor authentication for email?",
        "What is the capital of Australia?",
        "How do I tune the garbage collector of the JVM?",
        "Which Terraform provider manages the DNS records?",
        "How do I train a convolutional network on images?",
        "What colour should the company logo be?",
        "How do I mount an NFS share on Windows?",
        "zebra migration patterns across the serengeti plains",
        "How many vacation days do employees get?",
        "Translate this sentence into French.",
    ];
}
