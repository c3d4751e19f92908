using System.Text;
using AiStack.Llama.Models;

namespace AiStack.Llama.Generation;

/// <summary>
/// Turns generated tokens into text one token at a time. A token may carry part of a UTF-8 character (byte-fallback
/// tokens, BPE pieces); the bytes are held until the character is complete, so no update ever holds half a character.
/// </summary>
internal sealed class TokenTextDecoder(LlamaModel model)
{
    private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
    private byte[] _bytes = new byte[256];
    private char[] _chars = new char[260];

    public string Append(int token)
    {
        var count = model.TokenToPiece(token, ref _bytes);
        if (_chars.Length < count + 4)
        {
            _chars = new char[count + 4];
        }

        var chars = _decoder.GetChars(_bytes, 0, count, _chars, 0, flush: false);
        return new string(_chars, 0, chars);
    }

    /// <summary>Bytes of an unfinished character at the end (rendered as U+FFFD).</summary>
    public string Flush()
    {
        var chars = _decoder.GetChars([], 0, 0, _chars, 0, flush: true);
        return new string(_chars, 0, chars);
    }
}
