namespace AiStack.Tests.KnowledgeBase.Quality;

/// <summary>
/// A fixed labelled retrieval set written for AiStack: 60 answer chunks, each with one question that it answers (mostly worded
/// differently from the chunk, some naming an exact term such as an error code or a setting), hidden among 450 distractor
/// chunks from the same domain (generated deterministically from hand-written subjects and predicates). 510 chunks in all.
/// </summary>
public static class RetrievalQualitySet
{
    public sealed record Pair(string Id, string Chunk, string Query);

    public static readonly IReadOnlyList<Pair> Pairs =
    [
        new("cache-enable", "Set ResponseCache:Enabled to true in the Coordinator's appsettings.json to keep answers for repeated prompts.", "How do I turn on caching of model answers?"),
        new("cache-ttl", "Cached responses expire after ResponseCache:TimeToLive, one hour by default; lower it when answers go stale quickly.", "How long are stored replies kept before they are thrown away?"),
        new("pg-pool", "To raise the number of PostgreSQL connections, set Maximum Pool Size in the connection string; the default is 100.", "The database runs out of connections under load, what do I change?"),
        new("pg-refused", "Error: connection refused on port 5432. Start the postgresql service with systemctl and check that it listens on localhost.", "connection refused 5432"),
        new("redis-down", "When Redis is unreachable the KnowledgeBase bypasses its cache and still answers every request, only slower.", "What happens to lookups if the in-memory key value store goes offline?"),
        new("apikey-rotate", "The stack's API key lives in .aistack/api-key; delete the file and restart the AppHost to generate a new one.", "How can I get a fresh secret for authenticating requests?"),
        new("apikey-header", "Every endpoint except health and metrics expects the key in the X-API-Key header; without it the answer is 401.", "Why do my calls get 401 unauthorized?"),
        new("ralph-iterations", "Ralph's base iteration limits come from its settings; the dashboard sliders change them while tasks run.", "Where do I adjust how many attempts the task loop makes?"),
        new("ralph-exit2", "Exit code 2 from the agent blocks a premature exit: the loop goes on even though the agent claimed it was done.", "What does it mean when the agent returns status 2?"),
        new("ralph-promise", "A task can finish when the agent prints the completion promise <promise>DONE</promise>, matched exactly.", "How does the loop know that the model considers the job finished?"),
        new("ralph-verify", "A verify command such as dotnet test that exits with 0 marks the task complete after an iteration.", "Can a test suite decide that the work is done?"),
        new("ralph-checkpoint", "With a git workspace Ralph commits after each iteration, so a bad iteration can be rolled back with git reset.", "How do I undo the changes of one failed attempt?"),
        new("ralph-backstop", "Unlimited tasks still stop at a hard backstop on iterations and wall-clock time so that nothing runs forever.", "Is there a safety limit for tasks without a maximum?"),
        new("ralph-resume", "After a restart of the Ralph service, running and queued tasks resume where they stopped because every iteration is persisted.", "Do jobs survive a crash of the loop service?"),
        new("ralph-skiplocked", "Several Ralph replicas share one PostgreSQL store and claim tasks with FOR UPDATE SKIP LOCKED.", "How do multiple instances avoid working on the same job?"),
        new("coord-local", "A request goes to the local llama.cpp model when the retrieval confidence from the KnowledgeBase reaches the routing threshold.", "When does the router keep a question on the machine instead of the cloud?"),
        new("coord-privacy", "A privacy flag on a request pins it to the local model, whatever the confidence or the budget.", "How do I make sure sensitive prompts never leave my computer?"),
        new("coord-budget", "The Coordinator enforces a daily budget of remote tokens; once it is spent, requests fall back to the local model.", "What stops the hosted API bill from growing without limit?"),
        new("coord-breaker", "Each backend has a circuit breaker: after several failures it opens and requests go to the other backend until it closes.", "What protects us when the remote provider keeps failing?"),
        new("coord-openai", "The Coordinator serves an OpenAI-compatible POST /v1/chat/completions, so any agent can use the stack as its model.", "Can existing tools that speak the OpenAI protocol talk to the router?"),
        new("kb-hybrid", "Retrieval fuses the vector ranking and the BM25 keyword ranking with reciprocal rank fusion, k = 60.", "How are semantic and lexical search results combined?"),
        new("kb-chunking", "Documents are cut into chunks of 1000 characters with 150 characters of overlap before they are embedded.", "How big are the pieces that documents are split into?"),
        new("kb-replace", "Posting the same project and source again replaces the document and all its chunks atomically; the id stays the same.", "What happens if I upload a file with the same path twice?"),
        new("kb-collections", "The knowledge base has six collections: codebase-context, skills-patterns, error-solutions, best-practices, interaction-history and learning-feedback.", "Which categories of knowledge are stored?"),
        new("kb-minscore", "Each collection has a minimum score; results whose cosine similarity is lower are dropped from the context.", "Why are weak matches missing from the retrieved context?"),
        new("kb-qdrant", "Set ConnectionStrings__qdrant to an http endpoint to store vectors in Qdrant instead of the embedded index.", "How do I use an external vector database?"),
        new("learn-jsonl", "Learning tails JSONL files of outside agents, detects truncation and rotation by inode and size, and skips corrupt lines.", "Can the learning pipeline read log files written by other tools?"),
        new("learn-backpressure", "Above a backlog threshold the learning pipeline pauses ingestion until the backlog drains.", "What happens when events arrive faster than they are processed?"),
        new("learn-dataset", "Learning builds a fine-tuning dataset in chat JSONL format from valuable interactions, without duplicates.", "How do I get training data for tuning a model from past conversations?"),
        new("learn-lease", "Only one learning pipeline runs at a time even with several replicas, because a lease in the database decides which.", "How is double processing avoided when the learner is scaled out?"),
        new("learn-proposal", "Optimization proposals become approval-gated Ralph tasks that wait until someone approves them in the dashboard.", "Do suggested improvements run automatically?"),
        new("dash-restart", "The dashboard's services page restarts one service or all of them through the AppHost's control API.", "How can I bounce a misbehaving component from the web UI?"),
        new("dash-charts", "Telemetry charts show tasks over time by outcome, the iteration-count distribution and local versus remote routes.", "Where can I see graphs of how tasks went?"),
        new("apphost-tiers", "Resource tiers are detected from RAM and cores, or forced with --tier, and decide which services start and with which settings.", "The stack uses too much memory on my small laptop, what can I do?"),
        new("apphost-publish", "AppHost publish writes Kustomize manifests into aspirate-output/, which kubectl kustomize renders without error.", "How do I produce deployment files for Kubernetes?"),
        new("apphost-ports", "The KnowledgeBase listens on port 8091 and the Coordinator on 8092 unless the AppHost assigns other ports.", "Which port number does the knowledge service use by default?"),
        new("telemetry-spool", "When Learning is unreachable, services write telemetry events to a local durable spool file and send them later.", "Are metrics lost while the event collector is down?"),
        new("telemetry-trace", "W3C trace context flows across every hop, so one Ralph iteration is one trace from the loop to the model.", "How can I follow a single request through all the services?"),
        new("health-endpoints", "Every service has /health, /health/live, /health/ready and /health/startup, and /metrics in Prometheus text format.", "What URLs does a Kubernetes probe call?"),
        new("problem-details", "Bad input gets an RFC 7807 problem-details 400 that names the field and the rule it broke.", "What does the API return when a request body is invalid?"),
        new("llama-gguf", "The local model is a GGUF file loaded in-process by llama.cpp; set Inference:ModelPath to point at it.", "How do I choose which local weights file to run?"),
        new("llama-threads", "Inference:Threads sets the CPU threads of the local model; by default it uses all physical cores.", "How do I limit how many processor threads generation uses?"),
        new("llama-gpu", "No CUDA backend package is served here, so the local model runs on the CPU build of llama.cpp.", "Can I accelerate local inference with my graphics card?"),
        new("minilm", "The default embedder is all-MiniLM-L6-v2 running on ONNX Runtime, with 384 dimensions and mean pooling.", "Which neural network turns text into vectors?"),
        new("hash-fallback", "The word-hash embedder remains only as an explicit fallback and is named in /health when used.", "Is there a way to embed text without any model?"),
        new("reembed", "Changing the embedding model re-embeds every chunk in the background and reports the progress in /health.", "What happens to stored vectors after I switch to another model?"),
        new("hnsw", "Above a size threshold a collection is searched with an HNSW graph index persisted beside the database.", "How does vector search stay fast with millions of entries?"),
        new("ratelimit", "The expensive endpoints are rate limited; a client over the limit gets 429 with a Retry-After header.", "Why am I getting too many requests errors?"),
        new("sqlite-wal", "In the embedded profile each service keeps a SQLite file in WAL mode under .aistack/data/.", "Where is the data stored when I run without a database server?"),
        new("schema-migrate", "The schema is created and upgraded in place at startup by versioned scripts, each in a transaction, recorded in schema_version.", "Do I have to run database migrations by hand?"),
        new("err-nu1603", "Warning NU1603 means a requested package version was not found and a newer one was substituted; pin the served version.", "NU1603"),
        new("err-libgomp", "If llama.cpp fails to load with libgomp.so.1 missing, install the libgomp1 package with apt-get.", "The native library complains that an OpenMP shared object cannot be found."),
        new("err-oom", "If the local model is killed by the OOM killer, pick a smaller quantization such as Q4_K_M or lower the context size.", "The process running the model dies because the system ran out of RAM."),
        new("err-timeout", "A remote backend that exceeds Backends:Remote:Timeout is counted as a failure by its circuit breaker.", "What happens when the cloud model takes too long to respond?"),
        new("err-disk", "When the disk is full, SQLite answers SQLITE_FULL and the service reports the database as unhealthy.", "SQLITE_FULL"),
        new("practice-tests", "Name tests for the behaviour they prove and run them against real databases instead of mocks.", "How should we write our automated checks?"),
        new("practice-secrets", "Secrets never enter the repository; the API key is generated on first run and kept out of git.", "Is it fine to commit passwords to source control?"),
        new("practice-retry", "Retry idempotent HTTP calls with jittered exponential backoff and keep one circuit breaker per destination.", "How should a client repeat a request that failed?"),
        new("practice-logging", "Log with structured ILogger messages and named placeholders rather than string interpolation.", "What is the right way to write log statements?"),
        new("practice-options", "Options are validated at start-up; a bad value stops the service with a message that names the configuration key.", "What happens if I put a wrong value in the settings file?"),
    ];

    private static readonly string[] Subjects =
    [
        "The nightly build job", "A feature flag for the billing page", "The CSS bundle of the landing page", "The mobile app's login screen",
        "Our staging cluster", "The invoice PDF renderer", "The marketing newsletter", "A cron job on the old server", "The search box of the help center",
        "The image thumbnail service", "The office printer queue", "The customer survey form", "The legacy SOAP gateway", "The onboarding checklist",
        "The team calendar integration", "The audit report for finance", "A font file in the design system", "The VPN client for contractors",
        "The chat widget on the homepage", "The shipping label printer", "The translation memory", "The video transcoding queue",
        "The payroll export", "The wiki's table of contents", "The conference room display",
    ];

    private static readonly string[] Predicates =
    [
        "is rebuilt every Monday morning", "uses a blue colour scheme since the redesign", "was moved to a new vendor last spring",
        "needs a manual approval from the product owner", "shows the wrong time zone for users in Australia", "keeps a copy of every draft",
        "renders slowly on old tablets", "sends a summary email at the end of the week", "is owned by the platform team", "has a known typo in its footer",
        "was translated into German and Spanish", "prints in landscape format only", "stores thumbnails at three sizes", "ignores weekend holidays",
        "requires a badge to open", "exports its numbers as a spreadsheet", "plays a short animation on first launch", "lists upcoming releases by quarter",
        "was retired in favour of a newer tool",
    ];

    /// <summary>450 distractors: subject x predicate pairs with a second predicate, in a fixed pseudo-random order.</summary>
    public static IReadOnlyList<string> Distractors()
    {
        var random = new Random(20261201);
        var all = new List<string>();
        for (var s = 0; s < Subjects.Length; s++)
        {
            for (var p = 0; p < 18; p++)
            {
                var second = Predicates[(p * 7 + s + 3) % Predicates.Length];
                all.Add($"{Subjects[s]} {Predicates[p]}, and it {second}. Ticket {1000 + (s * 18) + p} tracks it.");
            }
        }

        return all.OrderBy(_ => random.Next()).ToList();
    }
}
