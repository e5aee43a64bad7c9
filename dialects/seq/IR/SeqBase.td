//===- SeqBase.td - seq dialect definition -----------------*- tablegen -*-===//
//
// The `seq` dialect: domain ops for sequence models (attention, state-space
// scans, linear recurrences, causal convolutions) and the channel mixers and
// glue around them. Generic computation stays in upstream dialects.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_SEQBASE_TD
#define SEQC_DIALECT_SEQ_SEQBASE_TD

include "mlir/IR/OpBase.td"

def Seq_Dialect : Dialect {
  let name = "seq";
  let summary = "Sequence-model operations: attention, scans, recurrences.";
  let description = [{
    The `seq` dialect holds the operations that are specific to sequence
    models: softmax attention with a mask algebra, Mamba-style selective scans,
    Mamba2 state-space duality, gated linear recurrences, causal depthwise
    convolutions, mixture-of-experts routing, and the channel mixers around
    them (linear, norms, rotary embeddings, activations). Everything generic
    (elementwise arithmetic, reshapes, slicing) uses upstream `tensor`,
    `arith`, `math` and `linalg`.

    Conventions shared by every op:
    * Activations are token-major: `[batch, seq, ...]`. Batch and sequence
      dimensions may be dynamic (`?`); feature dimensions are usually static.
    * Multi-head tensors are `[batch, seq, heads, head_dim]`, the layout a
      linear projection produces after `tensor.expand_shape`.
    * Weights use PyTorch's layout (`seq.linear` takes `[out, in]`), so
      frontends bind checkpoint tensors without transposing.
    * All floating-point operands of one op share one element type.
    * Ops are pure functions of their operands: recurrent state goes in as an
      operand and comes out as a result, and bufferization updates it in place.
  }];
  let cppNamespace = "::seqc::seq";
  // seq.layer's canonicalization moves tensor.cast ops.
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  // The dialect's discardable attributes, with typed helpers
  // (SeqDialect::MaxPositionsAttrHelper, ...); SeqDialect.cpp verifies each
  // (where it may sit, its type and range) and rejects any other `seq.*`.
  let discardableAttrs = (ins
    // On the module: the KV-cache capacity a session may fill (positions).
    "::mlir::IntegerAttr":$max_positions,
    // On the module: the most tokens one call takes (ring caches need it).
    "::mlir::IntegerAttr":$max_tokens_per_call,
    // On the module of an encoder-decoder: the most source tokens its
    // `encode` entry takes (the cross-attention states' capacity).
    "::mlir::IntegerAttr":$max_source_positions,
    // On the module of an encoder-decoder whose encoder has a vocabulary
    // of its own (Marian without shared embeddings): the source ids
    // `encode` takes are below it.
    "::mlir::IntegerAttr":$source_vocab_size,
    // On the module: the runtime's default thread count (seqc
    // --num-threads-default).
    "::mlir::IntegerAttr":$num_threads_default,
    // On the module: where the code runs, "cpu" or "cuda:sm_NN[a]".
    "::mlir::StringAttr":$target,
    // On an entry point's argument and result: the session state it is.
    "::mlir::StringAttr":$state,
    // On seq.attention, from seq-sparsify-attention: tile sizes and the
    // block map of tile kinds over them.
    "::mlir::DenseI64ArrayAttr":$tile_sizes,
    "::mlir::DenseIntElementsAttr":$tile_map
    // seq.lowering (#seq.lowering, SeqAttrs.td) is named by
    // seq::kLoweringAttrName: its type is defined after the dialect.
  );
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  // #seq.lowering (SeqAttrs.td).
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class Seq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Seq_Dialect, mnemonic, traits>;

// Operand/result constraints. Rank constraints live here (in ODS) so rank
// errors are reported before result-type inference looks at the dims.
def Seq_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Seq_IntTensor : RankedTensorOf<[AnySignlessInteger]>;
def Seq_NonScalarFloatTensor
    : RankedTensorOf<[AnyFloat], [HasRankGreaterOrEqualPred<1>],
                     "ranked tensor of rank >= 1">;
class Seq_FloatTensorOfRank<list<int> ranks> : TensorRankOf<[AnyFloat], ranks>;
// A projection weight or embedding table as stored: float, or 8-bit
// integers read with block scales (`scales` of seq.linear/seq.embedding).
class Seq_WeightTensorOfRank<list<int> ranks>
    : TensorRankOf<[AnyFloat, I8], ranks>;
// A KV cache as stored: float, or 8-bit integers read with block scales
// (`scales` of seq.attention).
class Seq_CacheTensorOfRank<list<int> ranks>
    : TensorRankOf<[AnyFloat, I8], ranks>;
class Seq_IntTensorOfRank<list<int> ranks>
    : TensorRankOf<[AnySignlessInteger], ranks>;

#endif // SEQC_DIALECT_SEQ_SEQBASE_TD
