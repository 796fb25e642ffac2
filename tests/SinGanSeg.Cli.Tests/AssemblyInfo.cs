// These tests train real models in real processes and clusters; on a 2-core machine running
// them side by side starves each of them, so they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
