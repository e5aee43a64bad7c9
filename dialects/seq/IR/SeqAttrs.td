//===- SeqAttrs.td - seq dialect attributes ----------------*- tablegen -*-===//
//
// Attributes the code generator records on seq ops.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_SEQATTRS_TD
#define SEQC_DIALECT_SEQ_SEQATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "dialects/seq/IR/SeqBase.td"
include "dialects/seq/IR/SeqEnums.td"

def Seq_LoweringAttr : AttrDef<Seq_Dialect, "Lowering"> {
  let mnemonic = "lowering";
  let summary = "the kernel and tile sizes one op is lowered with";
  let description = [{
    Set by `seq-select-lowering` as the discardable attribute `seq.lowering`
    on every op that has more than one lowering (attention, selective_scan,
    ssd, linear_attention, rms_norm, layer_norm); the lowering passes only
    read it. Written by hand, it overrides the choice (the lowering pass
    rejects a kernel that does not apply to the op's target or shapes).

    ```mlir
    seq.lowering = #seq.lowering<cpu_flash, query_tile = 64, key_tile = 64, kv_splits = 8>
    seq.lowering = #seq.lowering<chunked, chunk = 64>
    seq.lowering = #seq.lowering<gpu_scan>
    ```

    Sizes a kernel does not use are 0 (and not printed): `flash` and
    `cpu_flash` use `query_tile` (query positions per tile) and `key_tile`
    (keys per step; for `cpu_flash` a multiple of 16 up to 256), `cpu_flash`
    `kv_splits` (key shares when one query tile covers the call), `tiled`
    `channel_tile`, `chunked` `chunk`, `cpu_scan` `segments` (time segments
    run as a parallel prefix).
  }];
  let parameters = (ins
    EnumParameter<Seq_LoweringKernel>:$kernel,
    DefaultValuedParameter<"int64_t", "0">:$query_tile,
    DefaultValuedParameter<"int64_t", "0">:$key_tile,
    DefaultValuedParameter<"int64_t", "0">:$kv_splits,
    DefaultValuedParameter<"int64_t", "0">:$channel_tile,
    DefaultValuedParameter<"int64_t", "0">:$chunk,
    DefaultValuedParameter<"int64_t", "0">:$segments
  );
  let assemblyFormat = [{
    `<` $kernel (`,` struct($query_tile, $key_tile, $kv_splits, $channel_tile,
                            $chunk, $segments)^)? `>`
  }];
  let genVerifyDecl = 1;
}

#endif // SEQC_DIALECT_SEQ_SEQATTRS_TD
