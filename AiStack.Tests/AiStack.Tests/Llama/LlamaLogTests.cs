using AiStack.Llama.Models;
using AiStack.Llama.Runtime;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaLogTests(LlamaModelFixture fixture)
{
    [Fact]
    public void Continuation_fragments_are_joined_into_one_line_at_the_level_they_continue()
    {
        Assert.Empty(LlamaLog.Append(LLamaLogLevel.Info, "loading model "));
        Assert.Empty(LlamaLog.Append(LLamaLogLevel.Continue, "."));
        Assert.Empty(LlamaLog.Append(LLamaLogLevel.Continue, "."));
        Assert.Equal([(LLamaLogLevel.Info, "loading model .. done")], LlamaLog.Append(LLamaLogLevel.Continue, " done\n"));
        Assert.Equal([(LLamaLogLevel.Warning, "first"), (LLamaLogLevel.Warning, "second")], LlamaLog.Append(LLamaLogLevel.Warning, "first\nsecond\n"));
    }

    [Fact]
    public void Native_log_lines_reach_the_ilogger_of_the_loading_code()
    {
        var sink = new CapturingLoggerProvider();
        using (var factory = LoggerFactory.Create(b => b.AddProvider(sink).SetMinimumLevel(LogLevel.Trace)))
        {
            using var model = LlamaModel.Load(fixture.Options with { WarmUp = false }, factory);
        }

        LlamaLog.Attach(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var native = sink.Lines.Where(l => l.Category == "AiStack.Llama.Runtime").Select(l => l.Message).ToList();
        Assert.Contains(native, m => m.Contains("llama_model_loader", StringComparison.Ordinal));
        Assert.All(native, m => Assert.DoesNotContain('\n', m));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly List<(string Category, string Message)> _lines = [];

        public IReadOnlyList<(string Category, string Message)> Lines
        {
            get
            {
                lock (_lines)
                {
                    return _lines.ToList();
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Capturing(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Capturing(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._lines)
                {
                    owner._lines.Add((category, formatter(state, exception)));
                }
            }
        }
    }
}
