using System.Globalization;
using System.Text;

namespace SinGanSeg.Deploy.Tests.Helm;

/// <summary>
/// Parses one template file into nodes and the templates it defines. Supports '{{' '}}' with
/// '{{- ' / ' -}}' trimming, comments, if / else if / else, with, range (with one or two
/// variables), define, template, variables, pipelines and parenthesised sub-pipelines.
/// </summary>
internal sealed class TemplateParser
{
    private readonly string _file;
    private readonly List<(string Where, bool IsAction, string Text)> _items = [];
    private int _pos;

    public Dictionary<string, List<Node>> Defines { get; } = new(StringComparer.Ordinal);

    private TemplateParser(string file, string source)
    {
        _file = file;
        Split(source);
    }

    public static (List<Node> Body, Dictionary<string, List<Node>> Defines) Parse(string file, string source)
    {
        var p = new TemplateParser(file, source);
        var body = p.ParseList(out var end);
        if (end is not null) throw p.Error(end.Value.Where, $"unexpected {{{{{end.Value.Keyword}}}}}");
        return (body, p.Defines);
    }

    private void Split(string s)
    {
        var i = 0;
        var pendingTrimLeft = false;
        while (i < s.Length)
        {
            var open = s.IndexOf("{{", i, StringComparison.Ordinal);
            var text = open < 0 ? s[i..] : s[i..open];
            if (pendingTrimLeft) text = text.TrimStart(' ', '\t', '\r', '\n');
            if (open < 0)
            {
                if (text.Length > 0) _items.Add((Where(s, i), false, text));
                break;
            }
            var inner = open + 2;
            if (s.Length > inner + 1 && s[inner] == '-' && char.IsWhiteSpace(s[inner + 1]))
            {
                text = text.TrimEnd(' ', '\t', '\r', '\n');
                inner += 2;
            }
            if (text.Length > 0) _items.Add((Where(s, i), false, text));
            var close = FindClose(s, inner, Where(s, open));
            var content = s[inner..close];
            pendingTrimLeft = false;
            if (content.Length > 0 && content[^1] == '-' && content.Length >= 2 && char.IsWhiteSpace(content[^2]))
            {
                content = content[..^1];
                pendingTrimLeft = true;
            }
            var trimmed = content.Trim();
            if (trimmed.StartsWith("/*", StringComparison.Ordinal))
            {
                if (!trimmed.EndsWith("*/", StringComparison.Ordinal)) throw Error(Where(s, open), "unterminated comment");
            }
            else
            {
                _items.Add((Where(s, open), true, trimmed));
            }
            i = close + 2;
        }
    }

    private int FindClose(string s, int from, string where)
    {
        // Skip over string literals so '}}' inside quotes does not end the action.
        var i = from;
        while (i < s.Length - 1)
        {
            var c = s[i];
            if (c == '"' || c == '`')
            {
                var q = c;
                i++;
                while (i < s.Length && s[i] != q) i += s[i] == '\\' && q == '"' ? 2 : 1;
                i++;
                continue;
            }
            if (c == '/' && s[i + 1] == '*')
            {
                var endComment = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (endComment < 0) throw Error(where, "unterminated comment");
                i = endComment + 2;
                continue;
            }
            if (c == '}' && s[i + 1] == '}') return i;
            i++;
        }
        throw Error(where, "unclosed action");
    }

    private string Where(string s, int index)
    {
        var line = 1;
        for (var k = 0; k < index && k < s.Length; k++) if (s[k] == '\n') line++;
        return $"{_file}:{line}";
    }

    private TemplateException Error(string where, string message) => new($"{where}: {message}");

    private readonly record struct End(string Where, string Keyword, string Rest);

    /// <summary>Parses nodes until an {{end}}, {{else}} or {{else if}} (returned in end) or the end of input.</summary>
    private List<Node> ParseList(out End? end)
    {
        var nodes = new List<Node>();
        end = null;
        while (_pos < _items.Count)
        {
            var (where, isAction, text) = _items[_pos++];
            if (!isAction)
            {
                nodes.Add(new TextNode(where, text));
                continue;
            }
            var (keyword, rest) = SplitKeyword(text);
            switch (keyword)
            {
                case "end":
                case "else":
                    end = new End(where, keyword, rest);
                    return nodes;
                case "if":
                    nodes.Add(ParseIf(where, rest));
                    break;
                case "with":
                {
                    var value = ParsePipeline(where, rest);
                    var body = ParseList(out var e);
                    var elseBody = ParseElse(where, e, "with");
                    nodes.Add(new WithNode(where, value, body, elseBody));
                    break;
                }
                case "range":
                {
                    var over = ParsePipeline(where, rest, allowTwoVariables: true);
                    var body = ParseList(out var e);
                    var elseBody = ParseElse(where, e, "range");
                    nodes.Add(new RangeNode(where, over, body, elseBody));
                    break;
                }
                case "define":
                {
                    var name = ParseStringLiteral(where, rest);
                    var body = ParseList(out var e);
                    if (e is not { Keyword: "end" }) throw Error(where, "define without {{end}}");
                    Defines[name] = body;
                    break;
                }
                case "template":
                {
                    var tokens = new Lexer(where, rest, this).Tokens();
                    if (tokens.Count == 0 || tokens[0].Kind != TokenKind.String) throw Error(where, "template needs a quoted name");
                    var arg = tokens.Count > 1 ? new PipelineReader(where, tokens.Skip(1).ToList(), this).ReadPipeline(false) : null;
                    nodes.Add(new TemplateNode(where, (string)tokens[0].Value!, arg));
                    break;
                }
                case "block":
                case "break":
                case "continue":
                    throw Error(where, $"'{keyword}' is not supported by this renderer (see helm/singanseg/README.md)");
                default:
                    nodes.Add(new ActionNode(where, ParsePipeline(where, text)));
                    break;
            }
        }
        return nodes;
    }

    private IfNode ParseIf(string where, string condText)
    {
        var cond = ParsePipeline(where, condText);
        var then = ParseList(out var e);
        if (e is null) throw Error(where, "if without {{end}}");
        if (e.Value.Keyword == "end") return new IfNode(where, cond, then, null);
        var (k2, rest2) = SplitKeyword(e.Value.Rest);
        if (e.Value.Rest.Length == 0)
        {
            var elseBody = ParseList(out var e2);
            if (e2 is not { Keyword: "end" }) throw Error(where, "else without {{end}}");
            return new IfNode(where, cond, then, elseBody);
        }
        if (k2 != "if") throw Error(e.Value.Where, $"'else {k2}' is not supported");
        // 'else if' shares the outer {{end}}.
        return new IfNode(where, cond, then, [ParseIf(e.Value.Where, rest2)]);
    }

    private List<Node>? ParseElse(string where, End? e, string what)
    {
        if (e is null) throw Error(where, $"{what} without {{{{end}}}}");
        if (e.Value.Keyword == "end") return null;
        if (e.Value.Rest.Length > 0) throw Error(e.Value.Where, $"'else {e.Value.Rest}' inside {what} is not supported");
        var body = ParseList(out var e2);
        if (e2 is not { Keyword: "end" }) throw Error(where, $"{what} else without {{{{end}}}}");
        return body;
    }

    private static (string Keyword, string Remainder) SplitKeyword(string text)
    {
        var k = 0;
        while (k < text.Length && char.IsLetter(text[k])) k++;
        var word = text[..k];
        return word is "if" or "else" or "end" or "with" or "range" or "define" or "template" or "block" or "break" or "continue"
               && (k == text.Length || char.IsWhiteSpace(text[k]))
            ? (word, text[k..].Trim())
            : ("", text);
    }

    private string ParseStringLiteral(string where, string text)
    {
        var tokens = new Lexer(where, text, this).Tokens();
        if (tokens.Count != 1 || tokens[0].Kind != TokenKind.String) throw Error(where, "expected a quoted name");
        return (string)tokens[0].Value!;
    }

    private Pipeline ParsePipeline(string where, string text, bool allowTwoVariables = false)
    {
        var tokens = new Lexer(where, text, this).Tokens();
        var reader = new PipelineReader(where, tokens, this);
        var pipe = reader.ReadPipeline(allowTwoVariables);
        if (!reader.AtEnd) throw Error(where, $"unexpected '{reader.Peek.Text}'");
        return pipe;
    }

    internal enum TokenKind { Field, Variable, Identifier, String, Number, Bool, Nil, Pipe, LParen, RParen, Declare, Assign, Comma }

    internal sealed record Token(TokenKind Kind, string Text, object? Value = null);

    private sealed class Lexer(string where, string s, TemplateParser parser)
    {
        public List<Token> Tokens()
        {
            var list = new List<Token>();
            var i = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (char.IsWhiteSpace(c)) { i++; continue; }
                if (c == '|') { list.Add(new(TokenKind.Pipe, "|")); i++; continue; }
                if (c == '(') { list.Add(new(TokenKind.LParen, "(")); i++; continue; }
                if (c == ')') { list.Add(new(TokenKind.RParen, ")")); i++; continue; }
                if (c == ',') { list.Add(new(TokenKind.Comma, ",")); i++; continue; }
                if (c == ':' && i + 1 < s.Length && s[i + 1] == '=') { list.Add(new(TokenKind.Declare, ":=")); i += 2; continue; }
                if (c == '=') { list.Add(new(TokenKind.Assign, "=")); i++; continue; }
                if (c == '"') { list.Add(new(TokenKind.String, "string", ReadQuoted(ref i))); continue; }
                if (c == '`')
                {
                    var close = s.IndexOf('`', i + 1);
                    if (close < 0) throw parser.Error(where, "unterminated raw string");
                    list.Add(new(TokenKind.String, "string", s[(i + 1)..close]));
                    i = close + 1;
                    continue;
                }
                if (c == '.' && i > 0 && s[i - 1] == ')')
                    throw parser.Error(where, "field access on a parenthesised value is not supported");
                if (c == '.' || c == '$')
                {
                    var start = i;
                    i++;
                    while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '.')) i++;
                    var text = s[start..i];
                    list.Add(new(c == '.' ? TokenKind.Field : TokenKind.Variable, text));
                    continue;
                }
                if (char.IsDigit(c) || (c == '-' && i + 1 < s.Length && char.IsDigit(s[i + 1])))
                {
                    var start = i;
                    i++;
                    while (i < s.Length && (char.IsDigit(s[i]) || s[i] is '.' or 'e' or 'E')) i++;
                    var text = s[start..i];
                    object value = text.Contains('.') || text.Contains('e') || text.Contains('E')
                        ? (object)double.Parse(text, CultureInfo.InvariantCulture)
                        : (object)long.Parse(text, CultureInfo.InvariantCulture);
                    list.Add(new(TokenKind.Number, text, value));
                    continue;
                }
                if (char.IsLetter(c) || c == '_')
                {
                    var start = i;
                    while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_')) i++;
                    var word = s[start..i];
                    list.Add(word switch
                    {
                        "true" => new(TokenKind.Bool, word, true),
                        "false" => new(TokenKind.Bool, word, false),
                        "nil" => new(TokenKind.Nil, word),
                        _ => new(TokenKind.Identifier, word),
                    });
                    continue;
                }
                throw parser.Error(where, $"unexpected character '{c}'");
            }
            return list;
        }

        private string ReadQuoted(ref int i)
        {
            var sb = new StringBuilder();
            i++;
            while (i < s.Length && s[i] != '"')
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                {
                    i++;
                    sb.Append(s[i] switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        '\\' => '\\',
                        '"' => '"',
                        _ => throw parser.Error(where, $"unsupported escape \\{s[i]}"),
                    });
                }
                else sb.Append(s[i]);
                i++;
            }
            if (i >= s.Length) throw parser.Error(where, "unterminated string");
            i++;
            return sb.ToString();
        }
    }

    private sealed class PipelineReader(string where, List<Token> tokens, TemplateParser parser)
    {
        private int _i;

        public bool AtEnd => _i >= tokens.Count;
        public Token Peek => tokens[_i];

        public Pipeline ReadPipeline(bool allowTwoVariables)
        {
            var decl = new List<string>();
            var isAssign = false;
            // Look ahead for '$x :=', '$x =' or (range) '$k, $v :='.
            var j = _i;
            var names = new List<string>();
            while (j < tokens.Count && tokens[j].Kind == TokenKind.Variable && !tokens[j].Text.Contains('.', StringComparison.Ordinal))
            {
                names.Add(tokens[j].Text);
                j++;
                if (j < tokens.Count && tokens[j].Kind == TokenKind.Comma && allowTwoVariables && names.Count == 1) { j++; continue; }
                break;
            }
            if (names.Count > 0 && j < tokens.Count && tokens[j].Kind is TokenKind.Declare or TokenKind.Assign)
            {
                isAssign = tokens[j].Kind == TokenKind.Assign;
                decl = names;
                _i = j + 1;
            }
            var commands = new List<Command> { ReadCommand() };
            while (!AtEnd && Peek.Kind == TokenKind.Pipe)
            {
                _i++;
                commands.Add(ReadCommand());
            }
            return new Pipeline(where, decl, isAssign, commands);
        }

        private Command ReadCommand()
        {
            var args = new List<Operand>();
            while (!AtEnd && Peek.Kind is not (TokenKind.Pipe or TokenKind.RParen))
            {
                var t = tokens[_i++];
                args.Add(t.Kind switch
                {
                    TokenKind.Field => new FieldOperand(null, SplitFields(t.Text)),
                    TokenKind.Variable => VariableOperand(t.Text),
                    TokenKind.Identifier => new FuncOperand(t.Text),
                    TokenKind.String or TokenKind.Number or TokenKind.Bool => new LiteralOperand(t.Value),
                    TokenKind.Nil => new LiteralOperand(null),
                    TokenKind.LParen => ReadParenthesised(),
                    _ => throw parser.Error(where, $"unexpected '{t.Text}'"),
                });
            }
            if (args.Count == 0) throw parser.Error(where, "empty command");
            return new Command(where, args);
        }

        private SubPipelineOperand ReadParenthesised()
        {
            var pipe = ReadPipeline(false);
            if (AtEnd || Peek.Kind != TokenKind.RParen) throw parser.Error(where, "missing ')'");
            _i++;
            return new SubPipelineOperand(pipe);
        }

        private static string[] SplitFields(string text) =>
            text == "." ? [] : text[1..].Split('.');

        private static FieldOperand VariableOperand(string text)
        {
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? new FieldOperand(text, []) : new FieldOperand(text[..dot], text[(dot + 1)..].Split('.'));
        }
    }
}
