using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace AiStack.Coordinator.Routing;

/// <summary>
/// Semantic Kernel's service selector for the Coordinator's Kernel: the chat clients are the Kernel's keyed services
/// <c>local</c> and <c>remote</c>, and this picks one per request by <see cref="RoutingPolicy"/> from the request's
/// <see cref="RoutingInputs"/> (passed in the <see cref="KernelArguments"/>). The whole decision, with its fallback and reason,
/// is left in the arguments for the caller. A request no backend may serve throws <see cref="RouteUnavailableException"/>,
/// which says why; a plain "no service found" would not.
/// </summary>
public sealed class RoutingSelector(RoutingPolicy policy) : IChatClientSelector
{
    public const string InputsArgument = "aistack.routing_inputs";
    public const string DecisionArgument = "aistack.route_decision";

    public bool TrySelectChatClient<T>(Kernel kernel, KernelFunction function, KernelArguments arguments, [NotNullWhen(true)] out T? service, out PromptExecutionSettings? serviceSettings)
        where T : class, IChatClient
    {
        if (!arguments.TryGetValue(InputsArgument, out var value) || value is not RoutingInputs inputs)
        {
            throw new ArgumentException($"The routing inputs are missing from the kernel arguments ('{InputsArgument}').", nameof(arguments));
        }

        var decision = policy.Decide(inputs);
        arguments[DecisionArgument] = decision;
        var serviceId = decision.Primary.ToWireName();
        service = kernel.Services.GetKeyedService<T>(serviceId);
        serviceSettings = new PromptExecutionSettings { ServiceId = serviceId };
        return service is not null;
    }
}
