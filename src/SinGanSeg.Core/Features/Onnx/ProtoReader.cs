using System.Buffers.Binary;
using System.Text;

namespace SinGanSeg.Core.Features.Onnx;

/// <summary>
/// Just enough of the protobuf wire format to walk an ONNX file: fields are read in order and
/// unknown ones skipped, so a newer exporter's extra fields do no harm.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;
    private int position;

    public int Field { get; private set; }
    public WireType Wire { get; private set; }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next()
    {
        if (position >= data.Length) return false;
        var key = ReadVarint();
        Field = (int)(key >> 3);
        Wire = (WireType)(key & 7);
        if (Field == 0) throw Malformed("field number 0");
        return true;
    }

    public ulong Varint()
    {
        Expect(WireType.Varint);
        return ReadVarint();
    }

    public long Int64() => (long)Varint();

    public float Fixed32Float()
    {
        Expect(WireType.Fixed32);
        return BinaryPrimitives.ReadSingleLittleEndian(Take(4));
    }

    public ReadOnlySpan<byte> Bytes()
    {
        Expect(WireType.LengthDelimited);
        return Take(checked((int)ReadVarint()));
    }

    public string String() => Encoding.UTF8.GetString(Bytes());

    /// <summary>A repeated int64 field's current element(s): packed or not, both are legal.</summary>
    public void Int64s(List<long> into)
    {
        if (Wire == WireType.Varint)
        {
            into.Add((long)ReadVarint());
            return;
        }
        var packed = new ProtoReader(Bytes());
        while (packed.position < packed.data.Length) into.Add((long)packed.ReadVarint());
    }

    /// <summary>A repeated float field's current element(s), packed or not.</summary>
    public void Floats(List<float> into)
    {
        if (Wire == WireType.Fixed32)
        {
            into.Add(Fixed32Float());
            return;
        }
        var bytes = Bytes();
        if (bytes.Length % 4 != 0) throw Malformed($"packed floats of {bytes.Length} bytes");
        for (var i = 0; i < bytes.Length; i += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes[i..]));
    }

    public void Skip()
    {
        switch (Wire)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Take(8); break;
            case WireType.LengthDelimited: Take(checked((int)ReadVarint())); break;
            case WireType.Fixed32: Take(4); break;
            default: throw Malformed($"unsupported wire type {(int)Wire}");
        }
    }

    private readonly void Expect(WireType wire)
    {
        if (Wire != wire) throw Malformed($"field {Field} has wire type {Wire}, expected {wire}");
    }

    private ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length) throw Malformed("truncated varint");
            var b = data[position++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return result;
        }
        throw Malformed("varint longer than 10 bytes");
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > data.Length - position) throw Malformed($"field {Field} runs past the end of its message");
        var span = data.Slice(position, length);
        position += length;
        return span;
    }

    private static InvalidDataException Malformed(string what) => new($"malformed protobuf: {what}");
}

internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}
