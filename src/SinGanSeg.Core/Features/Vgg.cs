using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SinGanSeg.Core.Features;

/// <summary>
/// torchvision's VGG16/VGG19 with its exact state-dict names (<c>features.N.*</c>,
/// <c>classifier.N.*</c>). The classifier is optional because feature extraction never uses it
/// and its first layer alone is 400 MB; without it a torchvision file still loads (its classifier
/// keys are skipped).
/// </summary>
public sealed class Vgg : Module<Tensor, Tensor>
{
    // torchvision's configurations "D" (VGG16) and "E" (VGG19); 0 is a max-pool.
    private static readonly int[] ConfigD = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];
    private static readonly int[] ConfigE = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0];

    private readonly Sequential features;
    private readonly Sequential? classifier;

    public VggKind Kind { get; }

    /// <summary>Indices in <c>features</c> that are convolutions, in order.</summary>
    public IReadOnlyList<int> ConvIndices { get; }

    public int FeatureCount { get; }

    public Vgg(VggKind kind, bool withClassifier = false) : base(kind == VggKind.Vgg16 ? "vgg16" : "vgg19")
    {
        Kind = kind;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        var convs = new List<int>();
        var inChannels = 3;
        foreach (var v in kind == VggKind.Vgg16 ? ConfigD : ConfigE)
        {
            if (v == 0)
            {
                layers.Add((layers.Count.ToString(), MaxPool2d(2, 2)));
                continue;
            }
            convs.Add(layers.Count);
            layers.Add((layers.Count.ToString(), Conv2d(inChannels, v, 3, padding: 1)));
            layers.Add((layers.Count.ToString(), ReLU()));
            inChannels = v;
        }
        FeatureCount = layers.Count;
        ConvIndices = convs;
        features = Sequential(layers);
        if (withClassifier)
        {
            classifier = Sequential(
                ("0", Linear(512 * 7 * 7, 4096)), ("1", ReLU(true)), ("2", Dropout()),
                ("3", Linear(4096, 4096)), ("4", ReLU(true)), ("5", Dropout()),
                ("6", Linear(4096, 1000)));
        }
        RegisterComponents();
        // A frozen feature extractor: gradients are only ever wanted for the input pixels.
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    /// <summary>
    /// Runs <c>features</c> just far enough for the requested indices and returns the activation
    /// at each, in the order asked. A conv index yields the value after the ReLU that follows it:
    /// torchvision's ReLU is in-place, so that is what the reference's stored conv outputs hold.
    /// </summary>
    public Tensor[] Features(Tensor input, IReadOnlyList<int> indices)
    {
        if (indices.Count == 0) return [];
        if (indices.Min() < 0 || indices.Max() >= FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(indices), $"{Kind} features has indices 0..{FeatureCount - 1}");
        var lastRun = indices.Max();
        if (ConvIndices.Contains(lastRun)) lastRun++;
        var taken = new Dictionary<int, Tensor>();
        var x = input;
        for (var i = 0; i <= lastRun; i++)
        {
            x = ((Module<Tensor, Tensor>)features[i]).call(x);
            if (ConvIndices.Contains(i)) continue;
            if (indices.Contains(i)) taken[i] = x;
            if (i > 0 && ConvIndices.Contains(i - 1) && indices.Contains(i - 1)) taken[i - 1] = x;
        }
        return indices.Select(i => taken[i]).ToArray();
    }

    /// <summary>Loads torchvision's vgg16/vgg19 .pth; without a classifier its classifier keys are skipped.</summary>
    public void LoadTorchvision(string path) =>
        TorchvisionWeights.LoadStrict(this, path, classifier is null ? ["classifier."] : []);

    public override Tensor forward(Tensor input)
    {
        var x = features.call(input);
        if (classifier is null) return x;
        x = functional.adaptive_avg_pool2d(x, [7, 7]).flatten(1);
        return classifier.call(x);
    }
}
