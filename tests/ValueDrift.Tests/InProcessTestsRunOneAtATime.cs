using Xunit;

// Every test class without a [Collection] of its own joins one collection, so the tests that run LibTorch inside the
// test host run one at a time; the notebook lanes (their kernels are processes of their own) still run beside them.
//
// Why: TorchSharp 0.107 frees the Scalar made by an implicit conversion (the alpha of `a + b`, the `eps` of
// `x + eps`, every AdamW coefficient) in its finalizer, and nothing keeps that Scalar alive while the LibTorch call it
// was passed to runs. A garbage collection started by another thread during that call lets the finalizer free it
// under the call: LibTorch then reads a freed Scalar ("Expected false to be true … toFloat at c10/core/Scalar.h:140",
// or, were the memory reused, a wrong value). Tests running side by side are exactly that other thread (each training
// step ends with a collection). docs/reliability.md, "A LibTorch scalar freed under a call", has the reproduction.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
