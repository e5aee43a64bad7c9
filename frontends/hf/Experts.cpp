//===- Experts.cpp - per-expert SwiGLU weights as one seq.moe -------------===//
//
// Checkpoints store each expert's gate_proj / up_proj / down_proj as its own
// tensor (`<prefix>.experts.<i>.gate_proj.weight`); the runtime stacks them
// on a leading expert dim at load, and seq.moe reads the three alike.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

using namespace mlir;

namespace seqc::hf {

Value emitStackedExperts(ModelEmitter &e, Value x, Value logits,
                         const std::string &prefix, const ExpertSizes &s,
                         Value selectionBias) {
  // Quantized all three or none (as seq.moe reads them): blocks must
  // divide both the hidden size and the experts' width.
  bool quantize = e.blockQuantizes(s.hidden) && e.blockQuantizes(s.inter);
  auto stack = [&](const char *leaf, int64_t rows, int64_t cols) {
    return e.stackedWeights(prefix + ".experts.{}." + leaf, s.experts, rows,
                            cols, quantize);
  };
  ModelEmitter::StackedWeights gate = stack(s.gateLeaf, s.inter, s.hidden);
  ModelEmitter::StackedWeights up = stack(s.upLeaf, s.inter, s.hidden);
  ModelEmitter::StackedWeights down = stack(s.downLeaf, s.hidden, s.inter);
  if (bool(gate.scales) != bool(up.scales) ||
      bool(gate.scales) != bool(down.scales) || gate.bits != up.bits ||
      gate.bits != down.bits || bool(gate.offsets) != bool(up.offsets) ||
      bool(gate.offsets) != bool(down.offsets)) {
    e.fail("the experts of '" + prefix +
           "' are stored in different forms (float or block-quantized, 4 or "
           "8 bits, with or without offsets); seq.moe reads gate, up and "
           "down alike");
    return nullptr;
  }
  return seq::MoeOp::create(
      e.builder(), e.loc(), x, logits, gate.values, up.values, down.values,
      gate.scales, up.scales, down.scales, gate.offsets, up.offsets,
      down.offsets, selectionBias, static_cast<uint64_t>(s.topK), s.routing,
      s.normalize, seq::ActivationKind::silu, gate.bits,
      llvm::APFloat(static_cast<float>(s.routedScale)),
      llvm::APFloat(static_cast<float>(s.normalizeEpsilon)),
      /*expert_groups=*/1, /*kept_groups=*/nullptr);
}

} // namespace seqc::hf
