namespace AiStack.AppHost.Publishing;

/// <summary>Writes the generated files into the output folder and removes those a previous publish left that no longer belong.</summary>
public static class AspirateOutput
{
    public static void Write(string outputPath, IReadOnlyDictionary<string, string> files)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(outputPath);
        foreach (var stale in Existing(outputPath).Where(path => !files.ContainsKey(path) && Path.GetFileName(path) != SecretsFile.FileName))
        {
            File.Delete(Path.Combine(outputPath, stale));
        }

        foreach (var (relative, content) in files)
        {
            var path = Path.Combine(outputPath, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || File.ReadAllText(path) != content)
            {
                File.WriteAllText(path, content);
            }
        }

        foreach (var folder in Directory.GetDirectories(outputPath, "*", SearchOption.AllDirectories).OrderByDescending(folder => folder.Length))
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
    }

    /// <summary>Every file under the folder, relative and with '/' separators.</summary>
    public static IReadOnlyList<string> Existing(string outputPath) =>
        !Directory.Exists(outputPath)
            ? []
            : Directory.GetFiles(outputPath, "*", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(outputPath, path).Replace(Path.DirectorySeparatorChar, '/'))
                .Order(StringComparer.Ordinal)
                .ToList();
}
