//===- LowerAllocaScopes.cpp - alloca scopes as stack save/restore --------===//
//
// Inlines every memref.alloca_scope between llvm.intr.stacksave and
// llvm.intr.stackrestore before the CFG lowering would give the scope's
// region several blocks (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace seqc {
#define GEN_PASS_DEF_LOWERALLOCASCOPES
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

struct LowerAllocaScopesPass
    : seqc::impl::LowerAllocaScopesBase<LowerAllocaScopesPass> {
  void runOnOperation() override {
    // Post-order: inner scopes first, so each body is one block when moved.
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation()->walk(
        [&](memref::AllocaScopeOp op) { scopes.push_back(op); });
    for (memref::AllocaScopeOp scope : scopes) {
      OpBuilder b(scope);
      Location loc = scope.getLoc();
      auto pointer = LLVM::LLVMPointerType::get(b.getContext());
      Value saved = LLVM::StackSaveOp::create(b, loc, pointer);
      Block &body = scope.getBodyRegion().front();
      auto ret = cast<memref::AllocaScopeReturnOp>(body.getTerminator());
      SmallVector<Value> results(ret.getResults());
      ret.erase();
      scope->getBlock()->getOperations().splice(Block::iterator(scope),
                                                body.getOperations());
      LLVM::StackRestoreOp::create(b, loc, saved);
      scope.replaceAllUsesWith(results);
      scope.erase();
    }
  }
};

} // namespace
