using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AiStack.Tests.Coordinator;

/// <summary>
/// OpenAI's official Node SDK (npm <c>openai</c>, pinned), run by node against the real Coordinators, as a new user would:
/// every call of the script below must work, and every refusal must reach the SDK as an OpenAI error with its message.
/// </summary>
[Collection(ScriptedStackCollection.Name)]
public sealed class NodeOpenAiSdkTests(ScriptedStackFixture stack)
{
    public const string SdkVersion = "7.55.0";

    private const string Script = """
        import OpenAI from 'openai';
        const { BASE_URL, STRICT_URL, API_KEY } = process.env;
        const client = new OpenAI({ baseURL: BASE_URL, apiKey: API_KEY, maxRetries: 0 });
        const user = (content) => [{ role: 'user', content }];
        const refusal = async (call) => {
          try { await call(); return { ok: true }; }
          catch (e) { return { status: e.status, message: e.message, code: e.code ?? null, param: e.param ?? null, type: e.type ?? null }; }
        };
        const out = {};
        const models = [];
        for await (const model of client.models.list()) models.push(model.id);
        out.models = models;
        out.retrieved = (await client.models.retrieve('aistack-remote')).id;

        const chat = await client.chat.completions.create({ model: 'aistack-remote', messages: user('hello there') });
        out.chat = { text: chat.choices[0].message.content, usage: chat.usage, finish: chat.choices[0].finish_reason };

        let text = '', usage = null;
        const stream = await client.chat.completions.create({ model: 'aistack-remote', messages: user('stream please'), stream: true, stream_options: { include_usage: true } });
        for await (const chunk of stream) { text += chunk.choices[0]?.delta?.content ?? ''; if (chunk.usage) usage = chunk.usage; }
        out.stream = { text, usage };

        const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
        const first = await client.chat.completions.create({ model: 'aistack-remote', messages: user('Weather in Paris?'), tools, tool_choice: 'auto' });
        const call = first.choices[0].message.tool_calls[0];
        const second = await client.chat.completions.create({ model: 'aistack-remote', tools, messages: [
          ...user('Weather in Paris?'), first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' }] });
        out.tools = { finish: first.choices[0].finish_reason, name: call.function.name, arguments: JSON.parse(call.function.arguments), answer: second.choices[0].message.content };

        const streamedCalls = {};
        const toolStream = await client.chat.completions.create({ model: 'aistack-remote', messages: user('Weather?'), tools, stream: true });
        for await (const chunk of toolStream) for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
          const c = streamedCalls[d.index] ??= { id: d.id, name: '', arguments: '' };
          c.name += d.function?.name ?? ''; c.arguments += d.function?.arguments ?? '';
        }
        out.streamedTools = Object.values(streamedCalls);

        const json = await client.chat.completions.create({ model: 'aistack-remote', messages: user('Answer in JSON'),
          response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } } } });
        out.json = JSON.parse(json.choices[0].message.content);

        const byDefault = await client.embeddings.create({ model: 'aistack-embedding', input: ['first text', 'second text'] });
        const asFloat = await client.embeddings.create({ model: 'aistack-embedding', input: 'first text', encoding_format: 'float' });
        out.embeddings = { dimensions: byDefault.data.map(d => d.embedding.length), norm: byDefault.data[0].embedding.reduce((s, v) => s + v * v, 0),
          same: byDefault.data[0].embedding.every((v, i) => Math.abs(v - asFloat.data[0].embedding[i]) < 1e-6) };

        const strict = new OpenAI({ baseURL: STRICT_URL, apiKey: API_KEY, maxRetries: 0 });
        const limited = [];
        for (let i = 0; i < 4; i++) limited.push(await refusal(() => strict.chat.completions.create({ model: 'aistack-local', messages: user('hi ' + i) })));
        out.refusals = {
          unauthorized: await refusal(() => new OpenAI({ baseURL: BASE_URL, apiKey: 'wrong-key', maxRetries: 0 }).models.list()),
          unknownModel: await refusal(() => client.chat.completions.create({ model: 'gpt-17', messages: user('hi') })),
          missingModel: await refusal(() => client.models.retrieve('gpt-17')),
          unsupported: await refusal(() => client.chat.completions.create({ model: 'aistack-remote', messages: user('hi'), logit_bias: { '50256': -100 } })),
          unbindable: await refusal(() => client.chat.completions.create({ model: 'aistack-remote', messages: user('hi'), max_tokens: 'lots' })),
          badEncoding: await refusal(() => client.embeddings.create({ model: 'aistack-embedding', input: 'x', encoding_format: 'int8' })),
          tooLarge: await refusal(() => strict.chat.completions.create({ model: 'aistack-local', messages: user('x'.repeat(10000)) })),
          rateLimited: limited[limited.length - 1],
        };
        console.log(JSON.stringify(out));
        """;

    [Fact]
    public async Task The_node_sdk_lists_chats_streams_calls_tools_gets_json_embeds_and_reads_every_refusal()
    {
        var folder = await EnsureSdkAsync();
        var script = Path.Combine(folder, "coordinator-compat-" + Guid.NewGuid().ToString("N") + ".mjs");
        await File.WriteAllTextAsync(script, Script);
        try
        {
            var result = await RunNodeAsync(script, new Dictionary<string, string>
            {
                ["BASE_URL"] = new Uri(stack.HybridAddress, "/v1").ToString(),
                ["STRICT_URL"] = new Uri(stack.StrictAddress, "/v1").ToString(),
                ["API_KEY"] = ScriptedStackFixture.Key,
            });

            Assert.Equal(["aistack-hybrid", "aistack-local", "aistack-remote"], result["models"]!.AsArray().Select(m => m!.GetValue<string>()));
            Assert.Equal("aistack-remote", result["retrieved"]!.GetValue<string>());
            Assert.Equal("remote answers: hello there", result["chat"]!["text"]!.GetValue<string>());
            Assert.Equal(15, result["chat"]!["usage"]!["total_tokens"]!.GetValue<int>());
            Assert.Equal("remote answers: stream please", result["stream"]!["text"]!.GetValue<string>());
            Assert.Equal(5, result["stream"]!["usage"]!["completion_tokens"]!.GetValue<int>());
            Assert.Equal("tool_calls", result["tools"]!["finish"]!.GetValue<string>());
            Assert.Equal("get_weather", result["tools"]!["name"]!.GetValue<string>());
            Assert.Equal("Paris", result["tools"]!["arguments"]!["city"]!.GetValue<string>());
            Assert.Equal("remote: the tool said sunny, 21 C", result["tools"]!["answer"]!.GetValue<string>());
            var streamedCall = Assert.Single(result["streamedTools"]!.AsArray())!;
            Assert.Equal("get_weather", streamedCall["name"]!.GetValue<string>());
            Assert.Contains("Paris", streamedCall["arguments"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("forty-two", result["json"]!["answer"]!.GetValue<string>());
            Assert.Equal([384, 384], result["embeddings"]!["dimensions"]!.AsArray().Select(d => d!.GetValue<int>()));
            Assert.InRange(result["embeddings"]!["norm"]!.GetValue<double>(), 0.99, 1.01);
            Assert.True(result["embeddings"]!["same"]!.GetValue<bool>(), "base64 and float encodings decode to the same vector");

            var refusals = result["refusals"]!;
            AssertRefused(refusals["unauthorized"], 401, "API key");
            AssertRefused(refusals["unknownModel"], 404, "The model 'gpt-17' does not exist", code: "model_not_found");
            AssertRefused(refusals["missingModel"], 404, "The model 'gpt-17' does not exist", code: "model_not_found");
            AssertRefused(refusals["unsupported"], 400, "'logit_bias' is not supported", code: "unsupported_parameter", param: "logit_bias");
            AssertRefused(refusals["unbindable"], 400, "max_tokens");
            AssertRefused(refusals["badEncoding"], 400, "encoding_format must be", param: "encoding_format");
            AssertRefused(refusals["tooLarge"], 413, "larger than the");
            AssertRefused(refusals["rateLimited"], 429, "limit of user is used");
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static void AssertRefused(JsonNode? refusal, int status, string message, string? code = null, string? param = null)
    {
        Assert.NotNull(refusal);
        Assert.True(refusal["status"]?.GetValue<int>() == status, $"expected {status}: {refusal.ToJsonString()}");
        Assert.Contains(message, refusal["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("(no body)", refusal["message"]!.GetValue<string>(), StringComparison.Ordinal);
        if (code is not null)
        {
            Assert.Equal(code, refusal["code"]?.GetValue<string>());
        }

        if (param is not null)
        {
            Assert.Equal(param, refusal["param"]?.GetValue<string>());
        }
    }

    /// <summary>Installs the pinned SDK from npm once per machine (a shared folder; the install is moved into place whole).</summary>
    private static async Task<string> EnsureSdkAsync()
    {
        var folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "aistack", "npm-openai-" + SdkVersion);
        if (File.Exists(Path.Combine(folder, "node_modules", "openai", "package.json")))
        {
            return folder;
        }

        var staging = folder + ".staging-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        await File.WriteAllTextAsync(Path.Combine(staging, "package.json"), """{"name":"aistack-compat-tests","private":true,"type":"module"}""");
        var (code, output) = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", $"openai@{SdkVersion}"], staging, null, TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"npm install openai@{SdkVersion} failed (exit {code}); the test needs node, npm and the npm registry:\n{output}");
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException)
        {
            // Another test run moved its install into place first.
            Directory.Delete(staging, recursive: true);
        }

        return folder;
    }

    private static async Task<JsonNode> RunNodeAsync(string script, Dictionary<string, string> environment)
    {
        var (code, output) = await RunAsync("node", [script], Path.GetDirectoryName(script)!, environment, TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"node exited {code}:\n{output}");
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, "the script printed no result:\n" + output);
        return JsonNode.Parse(line)!;
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, string[] arguments, string directory, Dictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{program}' could not be started ({e.Message}): install Node.js 18 or later (apt-get install nodejs npm).", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}.");
            }

            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
