using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AiStack.Learning.Ingest;

/// <summary>
/// A file's identity (device and inode) and size from statx(2). The identity tells a rotated file (same path, new inode) from the
/// one being tailed; .NET exposes no inode itself. statx's struct layout is the same on every architecture.
/// </summary>
internal static partial class FileIdentity
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxIno = 0x100;
    private const uint StatxSize = 0x200;
    private const int BufferSize = 256;

    public sealed record Info(string Id, long Size);

    /// <summary>The identity of the file at <paramref name="path"/>, or null when there is none.</summary>
    public static Info? OfPath(string path)
    {
        var buffer = new byte[BufferSize];
        return Statx(AtFdCwd, path, 0, StatxIno | StatxSize, buffer) == 0 ? Parse(buffer) : null;
    }

    /// <summary>The identity of an open file, which stays valid after the file is renamed or deleted.</summary>
    public static Info OfHandle(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var buffer = new byte[BufferSize];
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxIno | StatxSize, buffer) != 0)
            {
                throw new IOException($"statx failed on an open file (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return Parse(buffer);
    }

    private static Info Parse(byte[] buffer)
    {
        // struct statx: stx_ino at offset 32, stx_size at 40, stx_dev_major/minor at 136/140.
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32));
        var size = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(40));
        var major = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(136));
        var minor = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(140));
        return new Info(string.Create(CultureInfo.InvariantCulture, $"{major}:{minor}:{inode}"), size);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);
}
