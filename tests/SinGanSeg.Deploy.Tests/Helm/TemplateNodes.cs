namespace SinGanSeg.Deploy.Tests.Helm;

// The syntax tree of the Go-template subset the chart may use. Anything the parser does not
// turn into one of these is rejected, so a template feature this renderer does not know
// fails the tests instead of rendering as something Helm would not produce.

internal abstract record Node(string Where);

internal sealed record TextNode(string Where, string Text) : Node(Where);

/// <summary>{{ pipeline }}: prints the value unless the pipeline declares a variable.</summary>
internal sealed record ActionNode(string Where, Pipeline Pipe) : Node(Where);

internal sealed record IfNode(string Where, Pipeline Cond, List<Node> Then, List<Node>? Else) : Node(Where);

internal sealed record WithNode(string Where, Pipeline Value, List<Node> Body, List<Node>? Else) : Node(Where);

internal sealed record RangeNode(string Where, Pipeline Over, List<Node> Body, List<Node>? Else) : Node(Where);

internal sealed record TemplateNode(string Where, string Name, Pipeline? Arg) : Node(Where);

/// <summary>Commands joined by '|'; Decl/IsAssign for '$x :=' / '$x ='; range may declare two.</summary>
internal sealed record Pipeline(string Where, List<string> Decl, bool IsAssign, List<Command> Commands);

internal sealed record Command(string Where, List<Operand> Args);

internal abstract record Operand;

/// <summary>A function name (first word of a command) — or a keyword-like literal.</summary>
internal sealed record FuncOperand(string Name) : Operand;

/// <summary>.a.b (Variable null), $.a.b (Variable "$"), $x.a (Variable "$x").</summary>
internal sealed record FieldOperand(string? Variable, string[] Fields) : Operand;

internal sealed record LiteralOperand(object? Value) : Operand;

internal sealed record SubPipelineOperand(Pipeline Pipe) : Operand;
