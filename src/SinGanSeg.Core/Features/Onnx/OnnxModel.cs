namespace SinGanSeg.Core.Features.Onnx;

/// <summary>The parts of an ONNX ModelProto that importing weights needs: the graph and who made it.</summary>
public sealed record OnnxModel(string ProducerName, string ProducerVersion, long OpsetVersion, OnnxGraph Graph)
{
    public static OnnxModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        try
        {
            return OnnxParser.ParseModel(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}

/// <summary>Nodes as stored (ONNX requires them topologically sorted) and the initializers by name.</summary>
public sealed record OnnxGraph(
    string Name,
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyDictionary<string, OnnxTensor> Initializers,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs);

public sealed record OnnxNode(
    string Name,
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    public IReadOnlyList<long> Ints(string attribute) =>
        Attributes.TryGetValue(attribute, out var a) ? a.Ints : [];

    public float? Float(string attribute) =>
        Attributes.TryGetValue(attribute, out var a) ? a.Float : null;

    public override string ToString() => $"{OpType} {Name}";
}

/// <summary>An attribute's value(s); only the kinds an inference graph of convolutions uses.</summary>
public sealed record OnnxAttribute(string Name, float? Float, long? Int, string? String, IReadOnlyList<long> Ints, IReadOnlyList<float> Floats);

/// <summary>A float initializer (other element types are kept by shape only).</summary>
public sealed record OnnxTensor(string Name, IReadOnlyList<long> Dims, OnnxDataType DataType, float[]? FloatData)
{
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    public float[] Floats => FloatData ?? throw new InvalidDataException($"initializer {Name} holds {DataType}, not float");
}

/// <summary>TensorProto.DataType values that matter here.</summary>
public enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    Int64 = 7,
    Double = 11,
}
