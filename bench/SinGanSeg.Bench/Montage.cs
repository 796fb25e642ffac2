using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace SinGanSeg.Bench;

/// <summary>Side-by-side figures for docs/: rows of images, each scaled to one cell height, on white.</summary>
public static class Montage
{
    public static void Write(IReadOnlyList<IReadOnlyList<string>> rows, int cellHeight, string outPath)
    {
        var loaded = rows.Select(r => r.Select(p =>
        {
            var img = Image.Load<Rgb24>(p);
            img.Mutate(x => x.Resize(0, cellHeight));
            return img;
        }).ToList()).ToList();
        const int gap = 6;
        var width = loaded.Max(r => r.Sum(i => i.Width) + gap * (r.Count + 1));
        var height = loaded.Count * (cellHeight + gap) + gap;
        using var canvas = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        var y = gap;
        foreach (var row in loaded)
        {
            var x = gap;
            foreach (var img in row)
            {
                var (px, py) = (x, y);
                canvas.Mutate(c => c.DrawImage(img, new Point(px, py), 1f));
                x += img.Width + gap;
            }
            y += cellHeight + gap;
        }
        canvas.SaveAsPng(outPath);
        foreach (var img in loaded.SelectMany(r => r)) img.Dispose();
    }
}
