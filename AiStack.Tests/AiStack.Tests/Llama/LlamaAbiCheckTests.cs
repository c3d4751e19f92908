using AiStack.Llama;
using AiStack.Llama.Native;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaAbiCheckTests(LlamaModelFixture fixture)
{
    [Fact]
    public void The_installed_library_matches_the_layout_the_binding_expects()
    {
        Assert.NotNull(fixture.Model);
        var measured = LlamaLibrary.MeasureLoadedAbi();
        Assert.Empty(LlamaAbiCheck.FindMismatches(LlamaAbiCheck.Expected, measured));
    }

    [Fact]
    public void A_different_struct_size_or_default_is_rejected_with_expected_and_found_values()
    {
        var altered = new Dictionary<string, double>(LlamaAbiCheck.Expected)
        {
            ["sizeof(llama_model_params)"] = 88,
            ["llama_context_params.n_batch"] = 512,
        };

        var error = Assert.Throws<LlamaUnavailableException>(() => LlamaAbiCheck.Verify(LlamaAbiCheck.Expected, altered, "/opt/llama"));
        Assert.Contains("sizeof(llama_model_params): expected 80, found 88", error.Message, StringComparison.Ordinal);
        Assert.Contains("llama_context_params.n_batch: expected 2048, found 512", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/fetch-llama.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fact_the_library_did_not_report_is_a_mismatch()
    {
        var partial = new Dictionary<string, double>(LlamaAbiCheck.Expected);
        partial.Remove("sizeof(llama_batch)");
        Assert.Equal(["sizeof(llama_batch): expected 56, not measured"], LlamaAbiCheck.FindMismatches(LlamaAbiCheck.Expected, partial));
    }
}
