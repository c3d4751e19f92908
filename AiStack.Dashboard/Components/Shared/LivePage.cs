using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace AiStack.Dashboard.Components.Shared;

/// <summary>
/// A page that reloads its figures on a timer (<c>Dashboard:RefreshSeconds</c>) without a page reload. Loads run on the
/// renderer's context but never block it: a click is handled while a slow service is still being waited for.
/// </summary>
public abstract class LivePage : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    [Inject]
    private IOptions<DashboardOptions> Options { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    protected CancellationToken Stopping => _stopping.Token;

    protected DashboardOptions Settings => Options.Value;

    /// <summary>Loads the page's sections; called at start, on every tick, and by <see cref="RefreshNowAsync"/>.</summary>
    protected abstract Task RefreshAsync(CancellationToken cancellationToken);

    protected override Task OnInitializedAsync() => RefreshAsync(Stopping);

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _loop = TickAsync();
        }
    }

    /// <summary>After a button's action: show its effect now rather than at the next tick.</summary>
    protected async Task RefreshNowAsync()
    {
        await RefreshAsync(Stopping);
        StateHasChanged();
    }

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(Settings.RefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(Stopping))
            {
                await InvokeAsync(RefreshNowAsync);
            }
        }
        catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
        {
            // The page was closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
