//===- GpuKernelBuilder.cpp - helpers for kernels built op by op ----------===//

#include "passes/Codegen/GPU/GpuKernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>

using namespace mlir;

namespace seqc::lowering {

Value KernelBuilder::c(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value KernelBuilder::i32(int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
}
Value KernelBuilder::f(double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}
Value KernelBuilder::add(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value KernelBuilder::mul(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}
Value KernelBuilder::div(Value x, int64_t y) {
  return arith::DivUIOp::create(b, loc, x, c(y));
}
Value KernelBuilder::rem(Value x, int64_t y) {
  return arith::RemUIOp::create(b, loc, x, c(y));
}
Value KernelBuilder::lt(Value x, Value y) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
}
Value KernelBuilder::both(Value x, Value y) {
  return arith::AndIOp::create(b, loc, x, y);
}
Value KernelBuilder::isNegInf(Value x) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                               f(-INFINITY));
}

Value KernelBuilder::warpSum(Value x, int64_t lanes) {
  for (int64_t offset = 1; offset < lanes; offset *= 2) {
    Value other = gpu::ShuffleOp::create(b, loc, x, i32(offset), i32(32),
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    x = arith::AddFOp::create(b, loc, x, other);
  }
  return x;
}

Value KernelBuilder::allocLike(RankedTensorType type, ArrayRef<Value> sizes) {
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(sizes[d]);
  return memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), dynamic);
}

Value KernelBuilder::asTensor(RankedTensorType type, Value buffer) {
  return bufferization::ToTensorOp::create(b, loc, type, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

Value KernelBuilder::extractIf(Value active, Value tensor, ValueRange indices,
                               Value fallback) {
  auto read = scf::IfOp::create(
      b, loc, active,
      [&](OpBuilder &nb, Location) {
        Here here(b, nb);
        scf::YieldOp::create(
            b, loc,
            tensor::ExtractOp::create(b, loc, tensor, indices).getResult());
      },
      [&](OpBuilder &nb, Location) {
        Here here(b, nb);
        scf::YieldOp::create(b, loc, fallback);
      });
  return read.getResult(0);
}

Value KernelBuilder::sharedBuffer(Operation *anchor, StringRef name,
                                  int64_t rows, int64_t cols) {
  auto type = MemRefType::get(
      {rows, cols}, b.getF32Type(), MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto module = anchor->getParentOfType<ModuleOp>();
  SymbolTable symbols(module);
  std::string symbol;
  for (int i = 0;; ++i) {
    symbol = ("__seq_" + name + "_" + Twine(i)).str();
    if (!symbols.lookup(symbol))
      break;
  }
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(b, loc, symbol, b.getStringAttr("private"), type,
                             b.getUnitAttr(), /*constant=*/false,
                             b.getI64IntegerAttr(128));
  }
  return memref::GetGlobalOp::create(b, loc, type, symbol);
}

} // namespace seqc::lowering
