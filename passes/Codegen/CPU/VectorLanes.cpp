//===- VectorLanes.cpp - 16-lane f32 vectors for the CPU kernels ----------===//

#include "passes/Codegen/CPU/VectorLanes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace seqc::cpu {

Value readLanes(OpBuilder &b, Location l, Value src, ValueRange indices) {
  auto map = AffineMap::get(
      indices.size(), 0, getAffineDimExpr(indices.size() - 1, b.getContext()));
  return vector::TransferReadOp::create(
      b, l, VectorType::get({kVectorLanes}, b.getF32Type()), src, indices,
      lowering::floatConstant(b, l, b.getF32Type(), 0.0), map,
      ArrayRef<bool>{true});
}

Value writeLanes(OpBuilder &b, Location l, Value vec, Value dest,
                 ValueRange indices) {
  auto map = AffineMap::get(
      indices.size(), 0, getAffineDimExpr(indices.size() - 1, b.getContext()));
  return vector::TransferWriteOp::create(b, l, vec, dest, indices,
                                         AffineMapAttr::get(map),
                                         b.getBoolArrayAttr({true}))
      .getResult();
}

Value splatLanes(OpBuilder &b, Location l, Value scalar) {
  return vector::BroadcastOp::create(
      b, l, VectorType::get({kVectorLanes}, scalar.getType()), scalar);
}

} // namespace seqc::cpu
