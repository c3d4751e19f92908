using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>Rules between settings that data annotations cannot express.</summary>
internal sealed class ResilienceOptionsValidator : IValidateOptions<ResilienceOptions>
{
    public ValidateOptionsResult Validate(string? name, ResilienceOptions options) =>
        options.AttemptTimeoutSeconds > options.TotalTimeoutSeconds
            ? ValidateOptionsResult.Fail(
                $"Resilience:AttemptTimeoutSeconds ({options.AttemptTimeoutSeconds}) must not exceed Resilience:TotalTimeoutSeconds " +
                $"({options.TotalTimeoutSeconds}): no attempt could use its full time.")
            : ValidateOptionsResult.Success;
}
