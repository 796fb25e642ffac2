using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace SinGanSeg.Core.Features;

/// <summary>
/// ResNet18 as a frozen feature extractor. With the default layout its state dict is torchvision's
/// resnet18 key for key (so a torchvision .pth loads as is); the ImageNet ONNX export from CNTK has
/// one more block in layer4 (<see cref="CntkBlocks"/>), which only adds layer4.2.* keys. By default
/// BatchNorm always runs on running statistics and the parameters do not require grad: gradients
/// still reach the input, which is what perceptual losses and feature metrics need; an encoder
/// that is fine-tuned sets <see cref="Trainable"/>. <c>forward</c> gives the
/// pooled 512-d features; fc is kept only so the state dict stays torchvision's, and is never applied.
/// </summary>
public sealed class ResNet18 : Module<Tensor, Tensor>
{
    // torchvision's BatchNorm2d default; the ONNX import checks its epsilons against it.
    internal const double BatchNormEpsilon = 1e-5;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear fc;
    private ResNetPadding padding;
    private bool trainable;

    /// <summary>torchvision's resnet18: two blocks in each layer.</summary>
    public static IReadOnlyList<int> TorchvisionBlocks { get; } = [2, 2, 2, 2];

    /// <summary>The "ResNet18" that CNTK exported for ML.NET's DnnImageFeaturizer: three blocks in layer4.</summary>
    public static IReadOnlyList<int> CntkBlocks { get; } = [2, 2, 2, 3];

    /// <param name="padding">Must match where the weights come from; see <see cref="ResNetPadding"/>.</param>
    /// <param name="blocksPerLayer">Residual blocks in layer1..layer4; <see cref="TorchvisionBlocks"/> when null.</param>
    public ResNet18(ResNetPadding padding = ResNetPadding.Symmetric, IReadOnlyList<int>? blocksPerLayer = null) : base(nameof(ResNet18))
    {
        blocksPerLayer ??= TorchvisionBlocks;
        if (blocksPerLayer.Count != 4 || blocksPerLayer.Any(n => n < 1))
            throw new ArgumentException($"expected four positive block counts, got [{string.Join(",", blocksPerLayer)}]", nameof(blocksPerLayer));
        BlocksPerLayer = blocksPerLayer.ToArray();
        conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        layer1 = Layer(64, 64, 1, blocksPerLayer[0]);
        layer2 = Layer(64, 128, 2, blocksPerLayer[1]);
        layer3 = Layer(128, 256, 2, blocksPerLayer[2]);
        layer4 = Layer(256, 512, 2, blocksPerLayer[3]);
        fc = Linear(512, 1000);
        RegisterComponents();
        Padding = padding;
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    public IReadOnlyList<int> BlocksPerLayer { get; }

    /// <summary>Padding convention of the strided layers; must match where the weights came from.</summary>
    public ResNetPadding Padding
    {
        get => padding;
        set
        {
            padding = value;
            foreach (var block in Blocks) block.Padding = value;
        }
    }

    internal Conv2d Conv1 => conv1;
    internal BatchNorm2d Bn1 => bn1;
    internal Linear Fc => fc;

    /// <summary>The residual blocks in order of computation: layer1.0, layer1.1, …</summary>
    internal IEnumerable<BasicBlock> Blocks =>
        new[] { layer1, layer2, layer3, layer4 }.SelectMany(l => l.children().Cast<BasicBlock>());

    /// <summary>Pooled features, N×512.</summary>
    public override Tensor forward(Tensor input) => Features(input, ResNetStage.Pool)[0];

    /// <summary>
    /// The requested stages' outputs, in the order asked, for an N×3×H×W input preprocessed as the
    /// weights expect. Nothing deeper than the deepest requested stage is computed.
    /// </summary>
    public Tensor[] Features(Tensor input, params ResNetStage[] stages)
    {
        if (stages.Length == 0) throw new ArgumentException("ask for at least one stage", nameof(stages));
        if (input.dim() != 4 || input.shape[1] != 3)
            throw new ArgumentException($"expected an N×3×H×W batch, got [{string.Join(",", input.shape)}]", nameof(input));
        var deepest = stages.Max();
        var taken = new Dictionary<ResNetStage, Tensor>();
        using (var scope = NewDisposeScope())
        {
            var x = Norm(StridedPadding.Conv(input, conv1.weight!, 2, padding), bn1, trainable).relu_();
            Take(ResNetStage.Stem, x);
            if (deepest > ResNetStage.Stem)
            {
                x = StridedPadding.MaxPool(x, padding);
                var layers = new[] { layer1, layer2, layer3, layer4 };
                for (var i = 0; i < layers.Length && deepest >= ResNetStage.Layer1 + i; i++)
                {
                    foreach (var block in layers[i].children().Cast<BasicBlock>()) x = block.forward(x);
                    Take(ResNetStage.Layer1 + i, x);
                }
                if (deepest == ResNetStage.Pool) Take(ResNetStage.Pool, F.adaptive_avg_pool2d(x, new[] { 1L, 1L }).flatten(1));
            }
            foreach (var t in taken.Values) t.MoveToOuterDisposeScope();
        }
        return stages.Select(s => taken[s]).ToArray();

        void Take(ResNetStage stage, Tensor x)
        {
            if (stages.Contains(stage)) taken[stage] = x;
        }
    }

    /// <summary>
    /// Loads a torchvision-format state dict (torch.save(model.state_dict())) through PyBridge.
    /// Every key of the model must be in the file and nothing else (so ONNX-imported weights,
    /// saved with their extra layer4.2, need a model built with <see cref="CntkBlocks"/>); on a mismatch the module may be
    /// partly loaded and should be discarded.
    /// </summary>
    public void LoadTorchvision(string path) =>
        TorchvisionWeights.LoadStrict(this, path);

    /// <summary>Saves the state dict in torchvision's format, loadable by torch.load and <see cref="LoadTorchvision"/>.</summary>
    public void SaveTorchvision(string path) => this.save_py(path);

    // Functional so that, as a frozen extractor, the module's train() flag can never switch BN to
    // batch statistics; only a fine-tuned encoder (Trainable) follows train()/eval().
    internal static Tensor Norm(Tensor x, BatchNorm2d bn, bool trainable) =>
        F.batch_norm(x, bn.running_mean!, bn.running_var!, bn.weight, bn.bias, training: trainable && bn.training, momentum: 0.1, eps: BatchNormEpsilon);

    /// <summary>
    /// Off (the default): a frozen feature extractor. On: an encoder being fine-tuned (UNet++) —
    /// parameters require grad and BatchNorm uses batch statistics in train mode.
    /// </summary>
    public bool Trainable
    {
        get => trainable;
        set
        {
            trainable = value;
            foreach (var p in parameters()) p.requires_grad = value;
            foreach (var block in Blocks) block.Trainable = value;
        }
    }

    private static Sequential Layer(long inChannels, long outChannels, long stride, int blocks) => Sequential(
        Enumerable.Range(0, blocks).Select(i => (i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            (Module<Tensor, Tensor>)(i == 0
                ? new BasicBlock("BasicBlock", inChannels, outChannels, stride)
                : new BasicBlock("BasicBlock", outChannels, outChannels, 1)))));
}
