using System.Runtime.InteropServices;

namespace SinGanSeg.Core.Features.Onnx;

/// <summary>Field numbers from onnx.proto (stable since IR version 3).</summary>
internal static class OnnxParser
{
    public static OnnxModel ParseModel(ReadOnlySpan<byte> bytes)
    {
        string producer = "", version = "";
        long opset = 0;
        OnnxGraph? graph = null;
        var r = new ProtoReader(bytes);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 2: producer = r.String(); break;
                case 3: version = r.String(); break;
                case 7: graph = ParseGraph(r.Bytes()); break;
                case 8: opset = Math.Max(opset, ParseDefaultOpset(r.Bytes())); break;
                default: r.Skip(); break;
            }
        }
        return new OnnxModel(producer, version, opset, graph ?? throw new InvalidDataException("the model has no graph"));
    }

    // OperatorSetIdProto: the default domain ("") is ONNX's own operator set.
    private static long ParseDefaultOpset(ReadOnlySpan<byte> bytes)
    {
        string domain = "";
        long version = 0;
        var r = new ProtoReader(bytes);
        while (r.Next())
        {
            if (r.Field == 1) domain = r.String();
            else if (r.Field == 2) version = r.Int64();
            else r.Skip();
        }
        return domain is "" or "ai.onnx" ? version : 0;
    }

    private static OnnxGraph ParseGraph(ReadOnlySpan<byte> bytes)
    {
        var name = "";
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var r = new ProtoReader(bytes);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 1: nodes.Add(ParseNode(r.Bytes())); break;
                case 2: name = r.String(); break;
                case 5:
                    var t = ParseTensor(r.Bytes());
                    initializers[t.Name] = t;
                    break;
                case 11: inputs.Add(ParseValueInfoName(r.Bytes())); break;
                case 12: outputs.Add(ParseValueInfoName(r.Bytes())); break;
                default: r.Skip(); break;
            }
        }
        return new OnnxGraph(name, nodes, initializers, inputs, outputs);
    }

    private static string ParseValueInfoName(ReadOnlySpan<byte> bytes)
    {
        var r = new ProtoReader(bytes);
        while (r.Next())
        {
            if (r.Field == 1) return r.String();
            r.Skip();
        }
        return "";
    }

    private static OnnxNode ParseNode(ReadOnlySpan<byte> bytes)
    {
        string name = "", op = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>();
        var r = new ProtoReader(bytes);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 1: inputs.Add(r.String()); break;
                case 2: outputs.Add(r.String()); break;
                case 3: name = r.String(); break;
                case 4: op = r.String(); break;
                case 5:
                    var a = ParseAttribute(r.Bytes());
                    attributes[a.Name] = a;
                    break;
                default: r.Skip(); break;
            }
        }
        return new OnnxNode(name, op, inputs, outputs, attributes);
    }

    private static OnnxAttribute ParseAttribute(ReadOnlySpan<byte> bytes)
    {
        var name = "";
        float? f = null;
        long? i = null;
        string? s = null;
        var ints = new List<long>();
        var floats = new List<float>();
        var r = new ProtoReader(bytes);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 1: name = r.String(); break;
                case 2: f = r.Fixed32Float(); break;
                case 3: i = r.Int64(); break;
                case 4: s = r.String(); break;
                case 7: r.Floats(floats); break;
                case 8: r.Int64s(ints); break;
                default: r.Skip(); break;
            }
        }
        return new OnnxAttribute(name, f, i, s, ints, floats);
    }

    private static OnnxTensor ParseTensor(ReadOnlySpan<byte> bytes)
    {
        var name = "";
        var dims = new List<long>();
        var type = OnnxDataType.Undefined;
        var floats = new List<float>();
        float[]? raw = null;
        var external = false;
        var r = new ProtoReader(bytes);
        while (r.Next())
        {
            switch (r.Field)
            {
                case 1: r.Int64s(dims); break;
                case 2: type = (OnnxDataType)r.Int64(); break;
                case 4 when r.Wire == WireType.LengthDelimited: raw = ToFloats(r.Bytes()); break;
                case 4: r.Floats(floats); break;
                case 8: name = r.String(); break;
                case 9: raw = ToFloats(r.Bytes()); break;
                case 13: external = true; r.Skip(); break;
                default: r.Skip(); break;
            }
        }
        if (external) throw new InvalidDataException($"initializer {name} keeps its data in an external file, which is not supported");
        var tensor = new OnnxTensor(name, dims, type, null);
        if (type != OnnxDataType.Float) return tensor;
        var data = raw ?? floats.ToArray();
        if (data.LongLength != tensor.ElementCount)
            throw new InvalidDataException($"initializer {name} has {data.LongLength} values for shape [{string.Join(",", dims)}]");
        return tensor with { FloatData = data };
    }

    // Both packed float_data and raw_data are little-endian IEEE floats.
    private static float[] ToFloats(ReadOnlySpan<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX tensors are little-endian");
        if (bytes.Length % 4 != 0) throw new InvalidDataException($"float data of {bytes.Length} bytes");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
