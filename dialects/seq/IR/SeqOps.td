//===- SeqOps.td - seq dialect operations ------------------*- tablegen -*-===//
//
// Umbrella for the op families; each family has its own file.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_SEQOPS_TD
#define SEQC_DIALECT_SEQ_SEQOPS_TD

include "dialects/seq/IR/SeqBase.td"
include "dialects/seq/IR/SeqEnums.td"
include "dialects/seq/IR/SeqAttrs.td"
include "dialects/seq/IR/ChannelMixerOps.td"
include "dialects/seq/IR/AttentionOps.td"
include "dialects/seq/IR/RecurrenceOps.td"
include "dialects/seq/IR/LayerOps.td"
include "dialects/seq/IR/CodegenOps.td"

#endif // SEQC_DIALECT_SEQ_SEQOPS_TD
