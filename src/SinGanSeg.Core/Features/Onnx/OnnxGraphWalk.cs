namespace SinGanSeg.Core.Features.Onnx;

/// <summary>Producer/consumer lookups over a graph, and its nodes in an order that respects their inputs.</summary>
internal sealed class OnnxGraphWalk
{
    private readonly Dictionary<string, OnnxNode> producers = new();
    private readonly Dictionary<string, List<OnnxNode>> consumers = new();

    public OnnxGraphWalk(OnnxGraph graph)
    {
        Graph = graph;
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs) producers[output] = node;
            foreach (var input in node.Inputs)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        }
        Ordered = TopologicalOrder(graph);
    }

    public OnnxGraph Graph { get; }
    public IReadOnlyList<OnnxNode> Ordered { get; }

    public OnnxNode? Producer(string value) => producers.GetValueOrDefault(value);

    public IReadOnlyList<OnnxNode> Consumers(string value) => consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>The producer of <paramref name="value"/> when it has the given operator type.</summary>
    public OnnxNode? Producer(string value, string opType) =>
        Producer(value) is { } node && node.OpType == opType ? node : null;

    /// <summary>
    /// Kahn's algorithm, taking ready nodes in file order. ONNX already demands sorted nodes;
    /// sorting again costs nothing here and turns an unsorted or cyclic file into a clear error.
    /// </summary>
    private static List<OnnxNode> TopologicalOrder(OnnxGraph graph)
    {
        var available = new HashSet<string>(graph.Inputs.Concat(graph.Initializers.Keys)) { "" };
        var pending = graph.Nodes.ToList();
        var ordered = new List<OnnxNode>(pending.Count);
        while (pending.Count > 0)
        {
            var ready = pending.FindIndex(n => n.Inputs.All(available.Contains));
            if (ready < 0)
                throw new InvalidDataException($"graph {graph.Name}: {pending[0]} needs a value that no node produces, or the nodes form a cycle");
            var node = pending[ready];
            pending.RemoveAt(ready);
            ordered.Add(node);
            foreach (var output in node.Outputs) available.Add(output);
        }
        return ordered;
    }
}
