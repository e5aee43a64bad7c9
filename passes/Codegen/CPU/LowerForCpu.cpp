//===- LowerForCpu.cpp - the seq-lower-for-cpu pass -----------------------===//
//
// Lowers each seq op in the form its #seq.lowering names (the CPU
// strategy's where none is set): the CPU's vector kernels or the neutral
// forms, whose products CpuContractions register-tiles.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/CpuKernels.h"
#include "passes/Codegen/CPU/Passes.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace seqc {
#define GEN_PASS_DEF_LOWERFORCPU
#include "passes/Codegen/CPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {
struct LowerForCpuPass : seqc::impl::LowerForCpuBase<LowerForCpuPass> {
  using LowerForCpuBase::LowerForCpuBase;

  void runOnOperation() override {
    seqc::cpu::CpuLoweringStrategy strategy;
    if (failed(seqc::annotateLowerings(getOperation(), strategy, {})))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    seqc::cpu::populateVectorFlashAttentionPatterns(patterns);
    seqc::cpu::populateVectorSelectiveScanPatterns(patterns);
    seqc::cpu::CpuContractions contractions(amx);
    seqc::populateSeqToLinalgPatterns(patterns, contractions);
    if (failed(seqc::applySeqLowering(getOperation(), std::move(patterns))))
      return signalPassFailure();
    markAmxUse(getOperation());
  }

  /// `seq_uses_amx` (an exported byte) where a kernel uses AMX tiles: Linux
  /// hands a process the tile state only on request (arch_prctl), which
  /// the runtime makes when it loads such a model.
  static void markAmxUse(ModuleOp module) {
    bool uses = module
                    .walk([](Operation *op) {
                      return isa<amx::AMXDialect>(op->getDialect())
                                 ? WalkResult::interrupt()
                                 : WalkResult::advance();
                    })
                    .wasInterrupted();
    if (!uses || module.lookupSymbol("seq_uses_amx"))
      return;
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToStart(module.getBody());
    Type i8 = b.getI8Type();
    LLVM::GlobalOp::create(b, module.getLoc(), i8, /*isConstant=*/true,
                           LLVM::Linkage::External, "seq_uses_amx",
                           b.getIntegerAttr(i8, 1));
  }
};
} // namespace
