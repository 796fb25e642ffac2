using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SinGanSeg.Core.Quality;

/// <summary>
/// Small multi-panel histogram PNG drawn with ImageSharp alone (no fonts: the legends and axis
/// ranges go in the markdown that shows the figure). Each panel holds one or more series, each
/// normalised to its own count so distributions of different sizes compare; an optional
/// vertical line marks a threshold.
/// </summary>
public static class HistogramFigure
{
    public sealed record Series(IReadOnlyList<double> Values, Rgb24 Colour);

    public sealed record Panel(double Min, double Max, IReadOnlyList<Series> Series, double? Marker = null);

    public static readonly Rgb24[] Colours = [new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75), new(227, 119, 194), new(127, 127, 127)];

    public static void Write(string path, IReadOnlyList<Panel> panels, int bins = 30, int panelWidth = 360, int panelHeight = 180)
    {
        var width = panelWidth * panels.Count;
        using var image = new Image<Rgb24>(Math.Max(1, width), panelHeight, new Rgb24(255, 255, 255));
        for (var p = 0; p < panels.Count; p++) Draw(image, panels[p], p * panelWidth, panelWidth, panelHeight, bins);
        image.SaveAsPng(path);
    }

    private static void Draw(Image<Rgb24> image, Panel panel, int x0, int w, int h, int bins)
    {
        const int margin = 12;
        var axis = new Rgb24(80, 80, 80);
        for (var x = x0 + margin; x < x0 + w - margin; x++) image[x, h - margin] = axis;
        for (var y = margin; y <= h - margin; y++) image[x0 + margin, y] = axis;
        var span = Math.Max(1e-12, panel.Max - panel.Min);
        var plotW = w - 2 * margin;
        var plotH = h - 2 * margin - 1;
        var binW = (double)plotW / bins;
        foreach (var series in panel.Series)
        {
            if (series.Values.Count == 0) continue;
            var counts = new int[bins];
            foreach (var v in series.Values) counts[Math.Clamp((int)((v - panel.Min) / span * bins), 0, bins - 1)]++;
            var top = (double)counts.Max() / series.Values.Count;
            // Step outline so overlapping series stay readable.
            var previousY = h - margin;
            for (var b = 0; b < bins; b++)
            {
                var share = (double)counts[b] / series.Values.Count;
                var y = h - margin - (int)Math.Round(share / Math.Max(top, 1e-12) * plotH);
                var xa = x0 + margin + (int)(b * binW);
                var xb = x0 + margin + (int)((b + 1) * binW);
                for (var yy = Math.Min(previousY, y); yy <= Math.Max(previousY, y); yy++) Put(image, xa, yy, series.Colour);
                for (var xx = xa; xx <= xb; xx++) Put(image, xx, y, series.Colour);
                previousY = y;
            }
            for (var yy = previousY; yy <= h - margin; yy++) Put(image, x0 + margin + plotW, yy, series.Colour);
        }
        if (panel.Marker is { } m)
        {
            var x = x0 + margin + (int)Math.Round((m - panel.Min) / span * plotW);
            for (var y = margin; y < h - margin; y += 3) Put(image, x, y, new Rgb24(0, 0, 0));
        }
    }

    private static void Put(Image<Rgb24> image, int x, int y, Rgb24 colour)
    {
        if (x >= 0 && y >= 0 && x < image.Width && y < image.Height) image[x, y] = colour;
    }
}
