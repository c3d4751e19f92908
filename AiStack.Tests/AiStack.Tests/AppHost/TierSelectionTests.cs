using AiStack.AppHost.Stack;
using Microsoft.Extensions.Configuration;

namespace AiStack.Tests.AppHost;

public sealed class TierSelectionTests
{
    [Theory]
    [InlineData(4, 2, StackTier.Small)]
    [InlineData(16, 2, StackTier.Small)]
    [InlineData(8, 4, StackTier.Medium)]
    [InlineData(31, 16, StackTier.Medium)]
    [InlineData(64, 4, StackTier.Medium)]
    [InlineData(32, 8, StackTier.Large)]
    public void The_detected_tier_needs_both_the_memory_and_the_cores(int gib, int cores, StackTier expected)
    {
        Assert.Equal(expected, TierSelector.Detect(new MachineCapacity(gib * TierSelector.GiB, cores)));
    }

    [Theory]
    [InlineData("large", StackTier.Large)]
    [InlineData("Small", StackTier.Small)]
    [InlineData(" medium ", StackTier.Medium)]
    public void A_requested_tier_wins_over_detection(string requested, StackTier expected)
    {
        Assert.Equal(expected, TierSelector.Select(requested, new MachineCapacity(2 * TierSelector.GiB, 1)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("auto")]
    public void Without_a_request_the_tier_is_detected(string? requested)
    {
        Assert.Equal(StackTier.Large, TierSelector.Select(requested, new MachineCapacity(64 * TierSelector.GiB, 16)));
    }

    [Fact]
    public void An_unknown_tier_is_rejected_with_the_valid_names()
    {
        var error = Assert.Throws<StackConfigurationException>(() => TierSelector.Select("huge", new MachineCapacity(0, 1)));

        Assert.Contains("small, medium, large", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_tier_gives_the_services_its_model_and_loop_settings()
    {
        var small = TierSettings.For(StackTier.Small, new MachineCapacity(4 * TierSelector.GiB, 2));
        var medium = TierSettings.For(StackTier.Medium, new MachineCapacity(16 * TierSelector.GiB, 4));
        var large = TierSettings.For(StackTier.Large, new MachineCapacity(64 * TierSelector.GiB, 16));

        Assert.Equal(new TierSettings(ModelThreads: 2, ContextSize: 2048, ContextPoolSize: 1, RalphConcurrency: 2, RalphReplicas: 1), small);
        Assert.Equal(new TierSettings(ModelThreads: 4, ContextSize: 4096, ContextPoolSize: 2, RalphConcurrency: 4, RalphReplicas: 1), medium);
        Assert.Equal(new TierSettings(ModelThreads: 8, ContextSize: 8192, ContextPoolSize: 4, RalphConcurrency: 8, RalphReplicas: 2), large);
        Assert.Equal("2048", small.AsConfiguration()["Inference:ContextSize"]);
        Assert.Equal("8", large.AsConfiguration()["Ralph:Concurrency"]);
    }

    [Fact]
    public void The_options_say_why_a_tier_was_chosen()
    {
        var detected = StackOptions.Read(new ConfigurationBuilder().Build(), "/tmp/h", new MachineCapacity(24 * TierSelector.GiB, 2));
        var asked = StackOptions.Read(Configuration(("AppHost:Tier", "large")), "/tmp/h", new MachineCapacity(24 * TierSelector.GiB, 2));

        Assert.Equal(StackTier.Small, detected.Tier);
        Assert.Equal("detected: 24 GiB, 2 cores", detected.TierReason);
        Assert.Equal(StackTier.Large, asked.Tier);
        Assert.Equal("asked for with --tier", asked.TierReason);
    }

    [Fact]
    public void Options_live_under_AppHost_the_verb_is_optional_and_bare_switches_become_true()
    {
        var arguments = StackOptions.NormalizeArguments(["run", "--profile", "full", "--show-key", "--home=/srv/stack", "--Ports:ralph=9"], _ => "set");

        Assert.Equal(["--AppHost:Profile", "full", "--AppHost:ShowKey=true", "--AppHost:Home=/srv/stack", "--Ports:ralph=9"], arguments);
        var options = StackOptions.Read(new ConfigurationBuilder().AddCommandLine(arguments).Build(), "/default", new MachineCapacity(1, 1));
        Assert.Equal(StackProfile.Full, options.Profile);
        Assert.Equal("/srv/stack", options.Home);
        Assert.True(options.ShowKey);
    }

    [Fact]
    public void The_home_option_is_not_confused_with_the_HOME_variable()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["HOME"] = "/root" })
            .AddCommandLine(StackOptions.NormalizeArguments([], _ => "set"))
            .Build();

        Assert.Equal("/repo/.aistack", StackOptions.Read(configuration, "/repo/.aistack", new MachineCapacity(1, 1)).Home);
    }

    [Fact]
    public void Without_a_launch_profile_the_dashboard_gets_its_documented_local_ports()
    {
        var arguments = StackOptions.NormalizeArguments([], _ => null);

        Assert.Contains("--ASPNETCORE_URLS=http://127.0.0.1:18888", arguments);
        Assert.Contains("--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:18889", arguments);
        Assert.DoesNotContain(arguments, a => a.Contains("ALLOW_ANONYMOUS", StringComparison.Ordinal));
        Assert.Contains("--ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true", StackOptions.NormalizeArguments(["--dashboard-anonymous"], _ => null));
    }

    [Fact]
    public void An_unknown_profile_or_a_bad_port_is_refused_with_what_to_do()
    {
        var profile = Assert.Throws<StackConfigurationException>(() =>
            StackOptions.Read(Configuration(("AppHost:Profile", "huge")), "/h", new MachineCapacity(1, 1)));
        var port = Assert.Throws<StackConfigurationException>(() =>
            StackOptions.Read(Configuration(("Ports:apphost", "99999")), "/h", new MachineCapacity(1, 1)));

        Assert.Equal("Unknown profile 'huge': use --profile embedded or --profile full.", profile.Message);
        Assert.Equal("Ports:apphost is '99999': give a TCP port from 1 to 65535.", port.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
