namespace SinGanSeg.Abstractions;

/// <summary>
/// An input reference as jobs carry it: "file:///absolute/path" (a path every silo can read) or
/// "artifact:KEY" (an object in the cluster's artifact store). Parsing lives here only.
/// </summary>
public sealed record InputRef(InputRefKind Kind, string Value)
{
    public const string FileScheme = "file://";
    public const string ArtifactScheme = "artifact:";

    /// <summary>The local path of a file reference.</summary>
    public string LocalPath => Kind == InputRefKind.File ? new Uri(Value).LocalPath : throw new InvalidOperationException($"{Value} is not a file reference");

    /// <summary>The artifact key of an artifact reference.</summary>
    public string ArtifactKey => Kind == InputRefKind.Artifact ? Value[ArtifactScheme.Length..] : throw new InvalidOperationException($"{Value} is not an artifact reference");

    public static InputRef Artifact(string key) => new(InputRefKind.Artifact, ArtifactScheme + key);

    public static InputRef File(string absolutePath) => new(InputRefKind.File, new Uri(absolutePath).AbsoluteUri);

    /// <summary>Null when the text is neither form.</summary>
    public static InputRef? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (text.StartsWith(FileScheme, StringComparison.Ordinal)) return Uri.TryCreate(text, UriKind.Absolute, out _) ? new InputRef(InputRefKind.File, text) : null;
        if (text.StartsWith(ArtifactScheme, StringComparison.Ordinal) && text.Length > ArtifactScheme.Length) return new InputRef(InputRefKind.Artifact, text);
        return null;
    }

    public static InputRef Parse(string text) => TryParse(text)
        ?? throw new ArgumentException($"'{text}' is not an input reference: use file:///absolute/path or artifact:KEY");

    public override string ToString() => Value;
}

public enum InputRefKind
{
    File,
    Artifact,
}
