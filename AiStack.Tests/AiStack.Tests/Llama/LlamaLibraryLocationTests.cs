using AiStack.Llama;
using AiStack.Llama.Native;
using AiStack.Tests.Infrastructure;

namespace AiStack.Tests.Llama;

public sealed class LlamaLibraryLocationTests
{
    [Fact]
    public void Missing_libraries_give_an_error_naming_the_fetch_script()
    {
        var empty = TestDirectories.Create("llama-missing");
        try
        {
            var error = Assert.Throws<LlamaUnavailableException>(() => LlamaLibrary.Locate(null, empty));
            Assert.Contains("scripts/fetch-llama.sh", error.Message, StringComparison.Ordinal);
            Assert.Contains("Inference:NativeLibraryPath", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            TestDirectories.Delete(empty);
        }
    }

    [Fact]
    public void A_configured_folder_without_libraries_is_reported_by_name()
    {
        var empty = TestDirectories.Create("llama-configured");
        try
        {
            var error = Assert.Throws<LlamaUnavailableException>(() => LlamaLibrary.Locate(empty, AppContext.BaseDirectory));
            Assert.Contains(empty, error.Message, StringComparison.Ordinal);
            Assert.Contains("scripts/fetch-llama.sh", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            TestDirectories.Delete(empty);
        }
    }

    [Fact]
    public void The_build_copies_the_libraries_beside_the_test_binaries()
    {
        Assert.Equal(
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(AppContext.BaseDirectory)),
            Path.TrimEndingDirectorySeparator(LlamaLibrary.Locate(null, AppContext.BaseDirectory)));
    }
}
