//===- CodegenOps.td - hints the kernels leave for codegen --*- tablegen -*-===//
//
// Ops the target's kernels emit on tensors for the code generator; no model
// is written with them.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_CODEGENOPS_TD
#define SEQC_DIALECT_SEQ_CODEGENOPS_TD

include "dialects/seq/IR/SeqBase.td"
include "mlir/IR/OpBase.td"

def Seq_PrefetchOp : Seq_Op<"prefetch"> {
  let summary = "hint that an element of a tensor will be read soon";
  let description = [{
    Asks the memory system to bring the cache line holding
    `source[indices...]` close to the core: a kernel streaming a tensor
    from memory issues it some distance ahead of its reads. It has no
    effect on any value; an index past the tensor's end is allowed and
    prefetches nothing useful. Bufferization turns it into
    `memref.prefetch` (read, data cache) on the tensor's buffer, with
    `locality` 0-3 (3: keep in the nearest cache, x86 `prefetcht0`; 2:
    `prefetcht1`, the second-level cache). Its effects are left unknown so
    that nothing removes it.

    ```mlir
    seq.prefetch %k[%b, %next, %h, %c0] {locality = 2 : i32} : tensor<1x4096x8x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$source, Variadic<Index>:$indices,
                       DefaultValuedAttr<ConfinedAttr<I32Attr,
                           [IntMinValue<0>, IntMaxValue<3>]>, "3">:$locality);
  let assemblyFormat = [{
    $source `[` $indices `]` attr-dict `:` type($source)
  }];
  let hasVerifier = 1;
}

#endif // SEQC_DIALECT_SEQ_CODEGENOPS_TD
