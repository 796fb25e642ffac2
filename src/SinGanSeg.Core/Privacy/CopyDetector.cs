namespace SinGanSeg.Core.Privacy;

/// <summary>
/// Is a generated pair a copy of a real one? Three pixel-level measures, all at the sample's size:
/// the best normalised cross-correlation of the luma over small shifts (±1/16 of the short side,
/// at most 8 px) and the four flips, with the mask IoU at that alignment (a whole-image copy,
/// even moved or mirrored); and the share of the sample's textured patches (16×16, smaller for
/// tiny images) that have a source patch within a small RMS distance anywhere in the source
/// (a collage of copied pieces, which whole-image measures miss). Pure arithmetic: no torch.
/// </summary>
public sealed class CopyDetector
{
    private static readonly (string Name, bool H, bool V)[] Flips = [("none", false, false), ("flip-h", true, false), ("flip-v", false, true), ("flip-hv", true, true)];
    private readonly PairPixels _source;
    private readonly (string Name, float[] Luma, byte[] Mask)[] _variants;
    private readonly float[] _sourceRgb;

    public CopyDetector(PairPixels source)
    {
        _source = source;
        var luma = source.Luma();
        _variants = [.. Flips.Select(f => (f.Name, Flip(luma, source.Height, source.Width, f.H, f.V), Flip(source.Mask, source.Height, source.Width, f.H, f.V)))];
        _sourceRgb = [.. source.Rgb.Select(b => b / 255f)];
    }

    public double PatchDistance { get; init; } = CopyThresholds.PatchDistance;

    public CopyScores Score(PairPixels sample, double? embeddingDistance = null)
    {
        if (sample.Height != _source.Height || sample.Width != _source.Width)
            throw new ArgumentException($"sample is {sample.Width}x{sample.Height}, source {_source.Width}x{_source.Height}: load the source at the sample's size");
        var (h, w) = (sample.Height, sample.Width);
        var a = sample.Luma();
        var maxShift = MaxShift(h, w);
        var best = (Ncc: double.NegativeInfinity, Variant: 0, Dx: 0, Dy: 0);
        for (var v = 0; v < _variants.Length; v++)
            for (var dy = -maxShift; dy <= maxShift; dy++)
                for (var dx = -maxShift; dx <= maxShift; dx++)
                {
                    var ncc = Ncc(a, _variants[v].Luma, h, w, dx, dy);
                    // Ties keep the smallest move: an exact copy reports no shift.
                    if (ncc > best.Ncc + 1e-12) best = (ncc, v, dx, dy);
                }
        var iou = MaskIou(sample.Mask, _variants[best.Variant].Mask, h, w, best.Dx, best.Dy);
        var share = PatchCopyShare(sample);
        return new CopyScores(best.Ncc, iou, share, embeddingDistance, $"{_variants[best.Variant].Name}, dx={best.Dx}, dy={best.Dy}");
    }

    public static int MaxShift(int h, int w) => Math.Clamp(Math.Min(h, w) / 16, 1, 8);

    public static int PatchSize(int h, int w) => Math.Clamp(Math.Min(h, w) / 5, 6, 16);

    /// <summary>Correlation of a with b shifted by (dx, dy) over their overlap: a(y, x) against b(y + dy, x + dx).</summary>
    internal static double Ncc(float[] a, float[] b, int h, int w, int dx, int dy)
    {
        int y0 = Math.Max(0, -dy), y1 = Math.Min(h, h - dy), x0 = Math.Max(0, -dx), x1 = Math.Min(w, w - dx);
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        long n = 0;
        for (var y = y0; y < y1; y++)
        {
            int ra = y * w, rb = (y + dy) * w + dx;
            for (var x = x0; x < x1; x++)
            {
                double p = a[ra + x], q = b[rb + x];
                sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q;
            }
            n += x1 - x0;
        }
        if (n == 0) return 0;
        double ma = sa / n, mb = sb / n, va = saa / n - ma * ma, vb = sbb / n - mb * mb;
        // Two flat images are identical or not; correlation says nothing about them.
        if (va < 1e-8 || vb < 1e-8) return va < 1e-8 && vb < 1e-8 && Math.Abs(ma - mb) < 1e-3 ? 1 : 0;
        return (sab / n - ma * mb) / Math.Sqrt(va * vb);
    }

    internal static double MaskIou(byte[] a, byte[] b, int h, int w, int dx, int dy)
    {
        int y0 = Math.Max(0, -dy), y1 = Math.Min(h, h - dy), x0 = Math.Max(0, -dx), x1 = Math.Min(w, w - dx);
        long inter = 0, union = 0;
        for (var y = y0; y < y1; y++)
            for (var x = x0; x < x1; x++)
            {
                bool p = a[y * w + x] != 0, q = b[(y + dy) * w + x + dx] != 0;
                if (p && q) inter++;
                if (p || q) union++;
            }
        return union == 0 ? 1 : (double)inter / union;
    }

    /// <summary>
    /// Share of the sample's textured patches (a grid of P×P tiles) that have a source patch at
    /// any position within <see cref="PatchDistance"/> RMS. The search stops a candidate as soon
    /// as its partial sum exceeds the bound, so most positions cost a row or two.
    /// </summary>
    public double PatchCopyShare(PairPixels sample)
    {
        var (h, w) = (sample.Height, sample.Width);
        var p = PatchSize(h, w);
        var step = Math.Max(1, p / 8);
        var bound = PatchDistance * PatchDistance * p * p * 3;
        var rgb = sample.Rgb.Select(b => b / 255f).ToArray();
        var luma = sample.Luma();
        int textured = 0, copied = 0;
        for (var py = 0; py + p <= h; py += p)
            for (var px = 0; px + p <= w; px += p)
            {
                if (PatchStd(luma, w, px, py, p) < CopyThresholds.TexturedPatchStd) continue;
                textured++;
                if (HasNearPatch(rgb, w, px, py, p, _sourceRgb, h, w, step, bound)) copied++;
            }
        return textured == 0 ? 0 : (double)copied / textured;
    }

    private static bool HasNearPatch(float[] rgb, int w, int px, int py, int p, float[] src, int sh, int sw, int step, double bound)
    {
        // Start at the same place: copies mostly stay put, which ends the search at once.
        if (PatchDistanceSquared(rgb, w, px, py, src, sw, px, py, p, bound) < bound) return true;
        for (var sy = 0; sy + p <= sh; sy += step)
            for (var sx = 0; sx + p <= sw; sx += step)
                if (PatchDistanceSquared(rgb, w, px, py, src, sw, sx, sy, p, bound) < bound) return true;
        return false;
    }

    private static double PatchDistanceSquared(float[] a, int aw, int ax, int ay, float[] b, int bw, int bx, int by, int p, double bound)
    {
        double d = 0;
        for (var y = 0; y < p; y++)
        {
            int ra = ((ay + y) * aw + ax) * 3, rb = ((by + y) * bw + bx) * 3;
            for (var i = 0; i < p * 3; i++)
            {
                var diff = a[ra + i] - b[rb + i];
                d += diff * diff;
            }
            if (d >= bound) return d;
        }
        return d;
    }

    private static double PatchStd(float[] luma, int w, int px, int py, int p)
    {
        double s = 0, ss = 0;
        for (var y = py; y < py + p; y++)
            for (var x = px; x < px + p; x++)
            {
                var v = luma[y * w + x];
                s += v;
                ss += v * v;
            }
        var n = p * p;
        var m = s / n;
        return Math.Sqrt(Math.Max(0, ss / n - m * m));
    }

    private static T[] Flip<T>(T[] data, int h, int w, bool horizontal, bool vertical)
    {
        var result = new T[data.Length];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                result[y * w + x] = data[(vertical ? h - 1 - y : y) * w + (horizontal ? w - 1 - x : x)];
        return result;
    }
}
