using System.Runtime.InteropServices;
using System.Text;

namespace AiStack.Llama.Gguf;

/// <summary>
/// Writes a GGUF v3 file: header, metadata, tensor descriptions, then the tensor data aligned to <see cref="Alignment"/>.
/// Tensors are added with their shape and a callback that produces their f32 values, so big models never sit in memory twice.
/// </summary>
public sealed class GgufWriter
{
    public const uint Alignment = 32;

    private readonly List<(string Key, GgufValueType Type, object Value)> _metadata = [];
    private readonly List<GgufTensor> _tensors = [];

    public void Add(string key, string value) => _metadata.Add((key, GgufValueType.String, value));

    public void Add(string key, uint value) => _metadata.Add((key, GgufValueType.UInt32, value));

    public void Add(string key, int value) => _metadata.Add((key, GgufValueType.Int32, value));

    public void Add(string key, float value) => _metadata.Add((key, GgufValueType.Float32, value));

    public void Add(string key, bool value) => _metadata.Add((key, GgufValueType.Bool, value));

    public void Add(string key, IReadOnlyList<string> values) => _metadata.Add((key, GgufValueType.Array, values));

    public void Add(string key, IReadOnlyList<float> values) => _metadata.Add((key, GgufValueType.Array, values));

    public void Add(string key, IReadOnlyList<int> values) => _metadata.Add((key, GgufValueType.Array, values));

    /// <summary>Adds an f32 tensor. <paramref name="shape"/> is in ggml order (innermost dimension first).</summary>
    public void AddTensor(string name, long[] shape, Action<Span<float>> fill) => _tensors.Add(new GgufTensor(name, shape, fill));

    public void Write(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("GGUF"u8);
            writer.Write(3u);
            writer.Write((ulong)_tensors.Count);
            writer.Write((ulong)_metadata.Count);
            foreach (var (key, type, value) in _metadata)
            {
                WriteString(writer, key);
                writer.Write((uint)type);
                WriteValue(writer, type, value);
            }

            ulong offset = 0;
            foreach (var tensor in _tensors)
            {
                WriteString(writer, tensor.Name);
                writer.Write((uint)tensor.Shape.Length);
                foreach (var dimension in tensor.Shape)
                {
                    writer.Write((ulong)dimension);
                }

                writer.Write(0u); // GGML_TYPE_F32
                writer.Write(offset);
                offset = Align(offset + (ulong)tensor.ElementCount * sizeof(float));
            }

            Pad(writer);
            foreach (var tensor in _tensors)
            {
                WriteTensorData(writer, tensor);
                Pad(writer);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteTensorData(BinaryWriter writer, GgufTensor tensor)
    {
        var data = new float[tensor.ElementCount];
        tensor.Fill(data);
        writer.Write(MemoryMarshal.AsBytes(data.AsSpan()));
    }

    private static void WriteValue(BinaryWriter writer, GgufValueType type, object value)
    {
        switch (value)
        {
            case string text:
                WriteString(writer, text);
                break;
            case uint number:
                writer.Write(number);
                break;
            case int number:
                writer.Write(number);
                break;
            case float number:
                writer.Write(number);
                break;
            case bool flag:
                writer.Write(flag ? (byte)1 : (byte)0);
                break;
            case IReadOnlyList<string> texts:
                writer.Write((uint)GgufValueType.String);
                writer.Write((ulong)texts.Count);
                foreach (var text in texts)
                {
                    WriteString(writer, text);
                }

                break;
            case IReadOnlyList<float> numbers:
                writer.Write((uint)GgufValueType.Float32);
                writer.Write((ulong)numbers.Count);
                foreach (var number in numbers)
                {
                    writer.Write(number);
                }

                break;
            case IReadOnlyList<int> numbers:
                writer.Write((uint)GgufValueType.Int32);
                writer.Write((ulong)numbers.Count);
                foreach (var number in numbers)
                {
                    writer.Write(number);
                }

                break;
            default:
                throw new ArgumentException($"Unsupported GGUF value {value.GetType()} for type {type}.", nameof(value));
        }
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static ulong Align(ulong offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter writer)
    {
        writer.Flush();
        var position = (ulong)writer.BaseStream.Position;
        var padding = Align(position) - position;
        for (ulong i = 0; i < padding; i++)
        {
            writer.Write((byte)0);
        }
    }

    private sealed record GgufTensor(string Name, long[] Shape, Action<Span<float>> Fill)
    {
        public int ElementCount => checked((int)Shape.Aggregate(1L, (a, b) => a * b));
    }
}

/// <summary>gguf_type.</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}
