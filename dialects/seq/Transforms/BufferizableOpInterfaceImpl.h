//===- BufferizableOpInterfaceImpl.h - bufferization of seq ops -*- C++ -*-===//

#ifndef SEQC_DIALECT_SEQ_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
#define SEQC_DIALECT_SEQ_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace seqc::seq {
/// How One-Shot Bufferize rewrites the seq ops that survive until then
/// (seq.prefetch: a memref.prefetch on its tensor's buffer).
void registerBufferizableOpInterfaceExternalModels(
    mlir::DialectRegistry &registry);
} // namespace seqc::seq

#endif // SEQC_DIALECT_SEQ_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
