using System.Collections.Concurrent;
using AiStack.Llama.Gguf;
using AiStack.Tests.AppHost;
using AiStack.Tests.Infrastructure;
using AiStack.Tests.Ralph;
using Microsoft.Playwright;

namespace AiStack.Tests.Dashboard;

/// <summary>
/// The embedded stack started through the real AppHost (the control center among its resources, a generated tiny model for the
/// Coordinator, a script agent for Ralph), and one headless Debian Chromium driven by Playwright, shared by the browser tests.
/// Every page a test opens is watched for console errors.
/// </summary>
public sealed class BrowserStackFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public AspireStack Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string Folder { get; } = TestDirectories.Create("dashboard-browser");

    /// <summary>Where the screenshots go: a test artifact beside the test assembly.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard-screenshots");

    public Uri Dashboard => new($"http://127.0.0.1:{Host.Ports["dashboard"]}");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The browser tests drive Debian's Chromium at {ChromiumPath}, which is missing: apt-get install chromium (scripts/test.sh does this).");
        }

        var model = Path.Combine(Folder, "tiny.gguf");
        TinyModelWriter.Write(model, TinyModelSpec.Tiny with { Seed = 5 });
        var agent = RalphFactory.WriteScript(Path.Combine(Folder, "bin"), "agent.sh", DashboardServicesFixture.TwoRuns);
        Host = await AspireStack.StartAsync("embedded", StackResources.Embedded, TimeSpan.FromSeconds(240),
            "--Ralph:Backends:agent:Type=command", $"--Ralph:Backends:agent:Executable={agent}", "--Ralph:Defaults:DefaultBackend=agent",
            "--Ralph:PollMilliseconds=50",
            $"--Inference:ModelPath={model}", "--Inference:Threads=1", "--Inference:ContextSize=512",
            "--Dashboard:RefreshSeconds=0.5");

        try
        {
            _playwright = await Playwright.CreateAsync();
            // Root in a container has no user namespaces for Chromium's sandbox.
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
        }
        catch
        {
            // xUnit never disposes a fixture whose start failed: the stack must not outlive the suite.
            _playwright?.Dispose();
            await Host.DisposeAsync();
            throw;
        }

        Directory.CreateDirectory(Screenshots);
    }

    /// <summary>A fresh browser context signed in with the stack's key, on the overview page, once it is interactive.</summary>
    public async Task<IPage> SignedInPageAsync(ConcurrentQueue<string> consoleErrors)
    {
        var page = await NewPageAsync(consoleErrors);
        await page.GotoAsync(Dashboard.ToString());
        await page.WaitForURLAsync("**/signin**");
        await page.FillAsync("#key", Host.ApiKey);
        await page.ClickAsync("#sign-in");
        await WaitInteractiveAsync(page);
        return page;
    }

    /// <summary>A page in a fresh context; its console errors and uncaught exceptions go to <paramref name="consoleErrors"/>.</summary>
    public async Task<IPage> NewPageAsync(ConcurrentQueue<string> consoleErrors)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Enqueue($"{page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => consoleErrors.Enqueue($"{page.Url}: {error}");
        return page;
    }

    /// <summary>Navigates within the app and waits for its circuit: a click before that would be lost.</summary>
    public async Task GotoAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(Dashboard, path).ToString());
        await WaitInteractiveAsync(page);
    }

    public static Task WaitInteractiveAsync(IPage page) =>
        page.WaitForSelectorAsync("#dashboard[data-interactive=true]", new PageWaitForSelectorOptions { Timeout = 30_000 });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        TestDirectories.Delete(Folder);
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserStackCollection : ICollectionFixture<BrowserStackFixture>
{
    public const string Name = "Dashboard in Chromium";
}
