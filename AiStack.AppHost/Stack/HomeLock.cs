namespace AiStack.AppHost.Stack;

/// <summary>
/// One AppHost per home: a second one on the same <c>--home</c> would start a second set of services on the same data. The lock
/// is an open file that the system releases when the process ends, however it ends.
/// </summary>
public sealed class HomeLock : IDisposable
{
    private readonly FileStream _file;

    private HomeLock(FileStream file) => _file = file;

    public static bool TryAcquire(string home, out HomeLock homeLock)
    {
        ArgumentNullException.ThrowIfNull(home);
        Directory.CreateDirectory(home);
        try
        {
            homeLock = new HomeLock(new FileStream(Path.Combine(home, "apphost.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            return true;
        }
        catch (IOException)
        {
            homeLock = null!;
            return false;
        }
    }

    public void Dispose() => _file.Dispose();
}
