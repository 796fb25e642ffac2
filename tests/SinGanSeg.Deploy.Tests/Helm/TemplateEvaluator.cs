using System.Text;

namespace SinGanSeg.Deploy.Tests.Helm;

/// <summary>
/// Executes parsed templates the way text/template does for the subset the parser accepts:
/// '.' and '$' scoping, variables scoped to their block, Helm's missing-key behaviour (a
/// missing map key is nil and prints as an empty string; a field of nil is an error).
/// </summary>
internal sealed class TemplateEvaluator
{
    private readonly IReadOnlyDictionary<string, List<Node>> _defines;
    private readonly TemplateFunctions _functions;
    private int _depth;

    public TemplateEvaluator(IReadOnlyDictionary<string, List<Node>> defines)
    {
        _defines = defines;
        _functions = new TemplateFunctions(this);
    }

    private sealed class Scope(object? dot, Scope? parent, Dictionary<string, object?>? vars = null)
    {
        public object? Dot { get; } = dot;
        public Scope? Parent { get; } = parent;
        public Dictionary<string, object?> Vars { get; } = vars ?? new(StringComparer.Ordinal);

        public bool TryGet(string name, out object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s.Vars.TryGetValue(name, out value)) return true;
            value = null;
            return false;
        }

        public bool TrySet(string name, object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s.Vars.ContainsKey(name)) { s.Vars[name] = value; return true; }
            return false;
        }
    }

    public string Execute(List<Node> body, object? data)
    {
        var sb = new StringBuilder();
        Run(body, new Scope(data, null, new Dictionary<string, object?> { ["$"] = data }), sb);
        return sb.ToString();
    }

    public string Include(string name, object? data, string where)
    {
        if (!_defines.TryGetValue(name, out var body)) throw new TemplateException($"{where}: no template named \"{name}\"");
        if (++_depth > 100) throw new TemplateException($"{where}: include nested too deeply (recursion?)");
        try { return Execute(body, data); }
        finally { _depth--; }
    }

    private void Run(List<Node> nodes, Scope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t:
                    output.Append(t.Text);
                    break;
                case ActionNode a:
                {
                    var value = Eval(a.Pipe, scope);
                    if (a.Pipe.Decl.Count == 0) output.Append(GoValue.Print(value));
                    break;
                }
                case IfNode i:
                {
                    var inner = new Scope(scope.Dot, scope);
                    if (GoValue.IsTrue(Eval(i.Cond, inner))) Run(i.Then, inner, output);
                    else if (i.Else is not null) Run(i.Else, new Scope(scope.Dot, scope), output);
                    break;
                }
                case WithNode w:
                {
                    var probe = new Scope(scope.Dot, scope);
                    var value = Eval(w.Value, probe);
                    if (GoValue.IsTrue(value)) Run(w.Body, new Scope(value, probe), output);
                    else if (w.Else is not null) Run(w.Else, new Scope(scope.Dot, scope), output);
                    break;
                }
                case RangeNode r:
                    RunRange(r, scope, output);
                    break;
                case TemplateNode t:
                {
                    var arg = t.Arg is null ? null : Eval(t.Arg, scope);
                    output.Append(Include(t.Name, arg, t.Where));
                    break;
                }
                default:
                    throw new TemplateException($"{node.Where}: unsupported node {node.GetType().Name}");
            }
        }
    }

    private void RunRange(RangeNode r, Scope scope, StringBuilder output)
    {
        var over = EvalCommands(r.Over, scope);
        var items = new List<(object? Key, object? Value)>();
        switch (over)
        {
            case null:
                break;
            case IList<object?> list:
                for (var k = 0; k < list.Count; k++) items.Add(((long)k, list[k]));
                break;
            case IDictionary<string, object?> map:
                // Go ranges over maps in sorted key order.
                foreach (var key in map.Keys.OrderBy(k => k, StringComparer.Ordinal)) items.Add((key, map[key]));
                break;
            case long n:
                for (long k = 0; k < n; k++) items.Add((k, k));
                break;
            default:
                throw new TemplateException($"{r.Where}: range can't iterate over {GoValue.TypeName(over)}");
        }
        if (items.Count == 0)
        {
            if (r.Else is not null) Run(r.Else, new Scope(scope.Dot, scope), output);
            return;
        }
        foreach (var (key, value) in items)
        {
            var inner = new Scope(value, scope);
            if (r.Over.Decl.Count == 1) inner.Vars[r.Over.Decl[0]] = value;
            if (r.Over.Decl.Count == 2)
            {
                inner.Vars[r.Over.Decl[0]] = key;
                inner.Vars[r.Over.Decl[1]] = value;
            }
            Run(r.Body, inner, output);
        }
    }

    private object? Eval(Pipeline pipe, Scope scope)
    {
        var value = EvalCommands(pipe, scope);
        if (pipe.Decl.Count == 1)
        {
            if (pipe.IsAssign)
            {
                if (!scope.TrySet(pipe.Decl[0], value)) throw new TemplateException($"{pipe.Where}: undefined variable {pipe.Decl[0]}");
            }
            else scope.Vars[pipe.Decl[0]] = value;
        }
        else if (pipe.Decl.Count > 1) throw new TemplateException($"{pipe.Where}: two variables are only allowed in range");
        return value;
    }

    private object? EvalCommands(Pipeline pipe, Scope scope)
    {
        object? value = null;
        var piped = false;
        foreach (var command in pipe.Commands)
        {
            value = EvalCommand(command, scope, piped ? value : null, piped);
            piped = true;
        }
        return value;
    }

    private object? EvalCommand(Command command, Scope scope, object? pipedValue, bool hasPiped)
    {
        if (command.Args[0] is FuncOperand { Name: "and" or "or" } logic)
        {
            // Go 1.18+ stops evaluating at the first argument that decides the result.
            var operands = command.Args.Skip(1).Select(a => (Func<object?>)(() => EvalOperand(a, scope, command.Where))).ToList();
            if (hasPiped) operands.Add(() => pipedValue);
            if (operands.Count == 0) throw new TemplateException($"{command.Where}: {logic.Name} needs arguments");
            object? last = null;
            foreach (var operand in operands)
            {
                last = operand();
                if (GoValue.IsTrue(last) == (logic.Name == "or")) return last;
            }
            return last;
        }
        if (command.Args[0] is FuncOperand f)
        {
            var args = command.Args.Skip(1).Select(a => EvalOperand(a, scope, command.Where)).ToList();
            if (hasPiped) args.Add(pipedValue);
            return _functions.Call(f.Name, args, command.Where, scope.Dot);
        }
        if (command.Args.Count > 1 || hasPiped)
            throw new TemplateException($"{command.Where}: can't give arguments to a non-function value");
        return EvalOperand(command.Args[0], scope, command.Where);
    }

    private object? EvalOperand(Operand operand, Scope scope, string where) => operand switch
    {
        LiteralOperand l => l.Value,
        SubPipelineOperand s => EvalCommands(s.Pipe, new Scope(scope.Dot, scope)),
        FuncOperand f => _functions.Call(f.Name, [], where, scope.Dot),
        FieldOperand fo => Fields(fo, scope, where),
        _ => throw new TemplateException($"{where}: unsupported operand"),
    };

    private static object? Fields(FieldOperand fo, Scope scope, string where)
    {
        object? value;
        if (fo.Variable is null) value = scope.Dot;
        else if (!scope.TryGet(fo.Variable, out value)) throw new TemplateException($"{where}: undefined variable {fo.Variable}");
        var path = fo.Variable ?? "";
        foreach (var field in fo.Fields)
        {
            path += "." + field;
            value = value switch
            {
                IDictionary<string, object?> map => map.TryGetValue(field, out var v) ? v : null,
                null => throw new TemplateException($"{where}: nil pointer evaluating {path}"),
                _ => throw new TemplateException($"{where}: can't evaluate field {field} in type {GoValue.TypeName(value)} ({path})"),
            };
        }
        return value;
    }
}
