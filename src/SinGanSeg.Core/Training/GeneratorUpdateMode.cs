namespace SinGanSeg.Core.Training;

/// <summary>How the generator is stepped after the discriminator steps.</summary>
public enum GeneratorUpdateMode
{
    /// <summary>As released: three backward passes, each after zero_grad, then one optimizer step — one effective update.</summary>
    Reference,

    /// <summary>As the paper describes: three generator updates, each on a freshly generated fake.</summary>
    Paper,
}
