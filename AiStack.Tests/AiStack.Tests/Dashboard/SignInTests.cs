using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AiStack.Tests.Dashboard;

/// <summary>The control center asks for the stack's key, keeps a cookie, and never hands the key to the browser.</summary>
public sealed partial class SignInTests : IAsyncLifetime
{
    private readonly DashboardFactory _factory = new();
    private HttpClient _browser = null!;

    public Task InitializeAsync()
    {
        _browser = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _factory.DisposeAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    private async Task<HttpResponseMessage> SignInAsync(string key)
    {
        var form = await _browser.GetStringAsync(new Uri("/signin", UriKind.Relative));
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        Assert.NotEmpty(token);
        return await _browser.PostAsync(new Uri("/account/signin", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["key"] = key,
            ["returnUrl"] = "/ralph",
        }));
    }

    [Fact]
    public async Task Pages_redirect_to_the_sign_in_form_until_the_key_is_given()
    {
        foreach (var path in (string[])["/", "/ralph", "/services", "/downloads/finetuning.jsonl"])
        {
            using var response = await _browser.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/signin", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        using var health = await _browser.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_the_right_one_signs_in_until_sign_out()
    {
        using (var wrong = await SignInAsync("not-the-key"))
        {
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
            Assert.StartsWith("/signin?failed=true", wrong.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        using (var right = await SignInAsync(DashboardFactory.ApiKey))
        {
            Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
            Assert.Equal("/ralph", right.Headers.Location!.OriginalString);
        }

        using (var page = await _browser.GetAsync(new Uri("/ralph", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("blazor.web", html, StringComparison.Ordinal);
            Assert.DoesNotContain(DashboardFactory.ApiKey, html, StringComparison.Ordinal);
        }

        var form = await _browser.GetStringAsync(new Uri("/signin", UriKind.Relative));
        using (var signOut = await _browser.PostAsync(new Uri("/account/signout", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["__RequestVerificationToken"] = AntiforgeryToken().Match(form).Groups[1].Value,
               })))
        {
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }

        using var after = await _browser.GetAsync(new Uri("/ralph", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task A_return_address_outside_the_site_is_not_followed()
    {
        var form = await _browser.GetStringAsync(new Uri("/signin", UriKind.Relative));
        using var response = await _browser.PostAsync(new Uri("/account/signin", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(form).Groups[1].Value,
            ["key"] = DashboardFactory.ApiKey,
            ["returnUrl"] = "//evil.example/phish",
        }));
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }
}
