using AiStack.Llama;
using AiStack.Llama.Models;
using AiStack.Llama.Runtime;

namespace AiStack.Tests.Llama;

[Collection(LlamaCollection.Name)]
public sealed class LlamaRuntimeTests(LlamaModelFixture fixture)
{
    [Fact]
    public void The_cpu_backend_of_this_platform_only_is_copied_and_loaded()
    {
        var natives = Path.Combine(AppContext.BaseDirectory, "runtimes");
        Assert.True(File.Exists(Path.Combine(natives, "linux-x64", "native", "avx2", "libllama.so")), "LLamaSharp.Backend.Cpu's linux-x64 build is beside the binaries");
        Assert.DoesNotContain(Directory.GetFiles(natives, "*llama*", SearchOption.AllDirectories), f => !f.Contains("linux-x64", StringComparison.Ordinal));
        Assert.NotNull(fixture.Model);
        Assert.Contains("CPU", LlamaRuntime.SystemInfo, StringComparison.Ordinal);
    }

    [Fact]
    public void A_native_library_path_without_libllama_is_refused_with_the_setting_and_the_path()
    {
        var problem = LlamaRuntime.CheckLibraryPath(fixture.Directory);
        Assert.NotNull(problem);
        Assert.Contains("Inference:NativeLibraryPath", problem, StringComparison.Ordinal);
        Assert.Contains(fixture.Directory, problem, StringComparison.Ordinal);
        Assert.Null(LlamaRuntime.CheckLibraryPath(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "avx2")));
    }

    [Fact]
    public void A_missing_model_file_gives_an_error_naming_the_path()
    {
        var path = Path.Combine(fixture.Directory, "does-not-exist.gguf");
        var error = Assert.Throws<LlamaUnavailableException>(() => LlamaModel.Load(fixture.Options with { Path = path }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("empty")]
    public async Task A_corrupt_gguf_gives_an_error_naming_the_path_and_the_process_keeps_working(string damage)
    {
        var path = Path.Combine(fixture.Directory, $"corrupt-{damage}.gguf");
        var good = await File.ReadAllBytesAsync(fixture.ModelPath);
        await File.WriteAllBytesAsync(path, damage switch
        {
            "truncated" => good[..(good.Length / 2)],
            "garbage" => [.. good[..64], .. Enumerable.Repeat((byte)0xAB, 4096)],
            _ => [],
        });

        var error = Assert.Throws<LlamaUnavailableException>(() => LlamaModel.Load(fixture.Options with { Path = path }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("could not load", error.Message, StringComparison.Ordinal);

        var after = await fixture.Generator.CompleteAsync("hello", LlamaModelFixture.Greedy(2));
        Assert.Equal(2, after.CompletionTokens);
    }
}
