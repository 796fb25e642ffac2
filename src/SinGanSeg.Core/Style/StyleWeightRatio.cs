using System.Globalization;

namespace SinGanSeg.Core.Style;

/// <summary>
/// content:style loss weights written as the paper does ("1:1", "1:1000"). The total loss is
/// Content·content_loss + Style·style_loss.
/// </summary>
public readonly record struct StyleWeightRatio(double Content, double Style)
{
    public static StyleWeightRatio Balanced { get; } = new(1, 1);

    public static StyleWeightRatio Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var c)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
            && c >= 0 && s >= 0 && c + s > 0 && double.IsFinite(c) && double.IsFinite(s))
            return new StyleWeightRatio(c, s);
        throw new ArgumentException($"style ratio '{text}' is not content:style with two non-negative numbers, e.g. 1:1 or 1:1000");
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Content:G}:{Style:G}");
}
