//===- VectorLanes.cpp - 16-lane f32 vectors for the CPU kernels ----------===//

#include "passes/Codegen/CPU/VectorLanes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace seqc::cpu {

Value readLanes(OpBuilder &b, Location l, Value src, ValueRange indices) {
  auto map = AffineMap::get(
      indices.size(), 0, getAffineDimExpr(indices.size() - 1, b.getContext()));
  Type element = cast<ShapedType>(src.getType()).getElementType();
  bool integer = isa<IntegerType>(element);
  Value padding =
      integer ? arith::ConstantOp::create(b, l, b.getIntegerAttr(element, 0))
                    .getResult()
              : lowering::floatConstant(b, l, element, 0.0);
  Value lanes = vector::TransferReadOp::create(
      b, l, VectorType::get({kVectorLanes}, element), src, indices, padding,
      map, ArrayRef<bool>{true});
  if (element.isF32())
    return lanes;
  auto wide = VectorType::get({kVectorLanes}, b.getF32Type());
  if (integer) // vpmovsxbd + vcvtdq2ps for i8
    return arith::SIToFPOp::create(b, l, wide, lanes);
  return arith::ExtFOp::create(b, l, wide, lanes);
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
