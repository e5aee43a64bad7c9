//===- BufferizableOpInterfaceImpl.cpp - bufferization of seq ops ---------===//
//
// seq.prefetch reads its tensor and aliases nothing: it becomes a
// memref.prefetch of the same element of the tensor's buffer.
//
//===----------------------------------------------------------------------===//

#include "dialects/seq/Transforms/BufferizableOpInterfaceImpl.h"

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {

struct PrefetchOpInterface
    : BufferizableOpInterface::ExternalModel<PrefetchOpInterface,
                                             seqc::seq::PrefetchOp> {
  bool bufferizesToMemoryRead(Operation *, OpOperand &,
                              const AnalysisState &) const {
    return true;
  }
  bool bufferizesToMemoryWrite(Operation *, OpOperand &,
                               const AnalysisState &) const {
    return false;
  }
  AliasingValueList getAliasingValues(Operation *, OpOperand &,
                                      const AnalysisState &) const {
    return {};
  }
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto prefetch = cast<seqc::seq::PrefetchOp>(op);
    FailureOr<Value> buffer =
        getBuffer(rewriter, prefetch.getSource(), options, state);
    if (failed(buffer))
      return failure();
    rewriter.setInsertionPoint(op);
    memref::PrefetchOp::create(rewriter, op->getLoc(), *buffer,
                               prefetch.getIndices(), /*isWrite=*/false,
                               prefetch.getLocality(), /*isDataCache=*/true);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void seqc::seq::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, SeqDialect *) {
    PrefetchOp::attachInterface<PrefetchOpInterface>(*ctx);
  });
}
