//===- LayerOps.td - model structure ----------------------*- tablegen -*-===//
//
// The repeated blocks of a model, marked so that the compiler can build each
// distinct block once and call it per layer.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_LAYEROPS_TD
#define SEQC_DIALECT_SEQ_LAYEROPS_TD

include "dialects/seq/IR/SeqBase.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_LayerOp : Seq_Op<"layer", [RecursiveMemoryEffects,
    NoRegionArguments]> {
  let summary = "one block of a model (a decoder layer), compiled once per "
                "distinct body";
  let description = [{
    Runs its region once and returns what the region's `seq.yield` yields:
    `seq.layer` only marks a model's repeated block. The region reads values
    of the enclosing function directly (the residual stream, positions,
    weights, states); its results are the block's outputs (the new residual
    stream and the states it updated).

    The CPU pipeline turns every `seq.layer` into a call of a private
    function whose arguments are the captured values (`seq-outline-layers`,
    after lowering to linalg), and layers whose bodies are equal after that
    share one function: a 32-layer model compiles one layer body per entry
    point, not 32. `seq-inline-layers` splices the bodies in place instead
    (the GPU pipeline).

    Canonicalization gives a result the static type its yielded value has
    (a `tensor.cast` to a less static type is moved after the op), so
    static shapes (decode's one token) flow from layer to layer.

    ```mlir
    %x1, %k1 = seq.layer -> (tensor<1x?x64xf32>, tensor<1x128x2x32xf32>) {
      ...
      seq.yield %out, %k_cache : tensor<1x?x64xf32>, tensor<1x128x2x32xf32>
    }
    ```
  }];
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "(`->` `(` type($results)^ `)`)? $body attr-dict";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

#endif // SEQC_DIALECT_SEQ_LAYEROPS_TD
