//===- VerifyUtils.cpp - shared verifier and inference helpers ------------===//

#include "dialects/seq/IR/VerifyUtils.h"

#include "mlir/IR/Diagnostics.h"

#include <cstdio>

using namespace mlir;

namespace seqc::seq::detail {

NamedTensor::NamedTensor(Value value, StringRef name)
    : NamedTensor(value.getType(), name) {}

NamedTensor::NamedTensor(Type type, StringRef name)
    : type(cast<RankedTensorType>(type)), name(name) {}

int64_t NamedTensor::dim(int64_t i) const { return type.getDimSize(index(i)); }

static void printDim(InFlightDiagnostic &diag, int64_t size) {
  if (ShapedType::isDynamic(size))
    diag << "?";
  else
    diag << size;
}

LogicalResult matchDim(Operation *op, const NamedTensor &a, int64_t i,
                       const NamedTensor &b, int64_t j) {
  int64_t x = a.dim(i), y = b.dim(j);
  if (x == y || ShapedType::isDynamic(x) || ShapedType::isDynamic(y))
    return success();
  InFlightDiagnostic diag = op->emitOpError("expected ");
  diag << a.name << " dim " << a.index(i) << " (";
  printDim(diag, x);
  diag << ") to match " << b.name << " dim " << b.index(j) << " (";
  printDim(diag, y);
  diag << ")";
  return diag;
}

LogicalResult
matchShape(Operation *op, const NamedTensor &t,
           ArrayRef<std::pair<const NamedTensor *, int64_t>> expected) {
  // Ranks are ODS constraints; a mismatch here is a programming error in the
  // caller, but report rather than assert.
  if (t.rank() != static_cast<int64_t>(expected.size()))
    return op->emitOpError("expected ")
           << t.name << " of rank " << expected.size() << ", got " << t.type;
  for (auto [k, ref] : llvm::enumerate(expected))
    if (failed(matchDim(op, t, k, *ref.first, ref.second)))
      return failure();
  return success();
}

std::string formatFloat(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

Type elementTypeOf(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.getElementType();
  return {};
}

LogicalResult verifySameFloatElementType(Operation *op) {
  Type first;
  auto check = [&](Type type, StringRef kind, unsigned index) -> LogicalResult {
    Type element = elementTypeOf(type);
    if (!element || !isa<FloatType>(element))
      return success();
    if (!first) {
      first = element;
      return success();
    }
    if (element == first)
      return success();
    return op->emitOpError("expected all floating-point tensors to have "
                           "element type ")
           << first << ", but " << kind << " #" << index << " has " << element;
  };
  for (auto [i, operand] : llvm::enumerate(op->getOperands()))
    if (failed(check(operand.getType(), "operand", i)))
      return failure();
  for (auto [i, result] : llvm::enumerate(op->getResults()))
    if (failed(check(result.getType(), "result", i)))
      return failure();
  return success();
}

int64_t dimOrDynamic(Type type, int64_t i) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return ShapedType::kDynamic;
  if (i < 0)
    i += ranked.getRank();
  if (i < 0 || i >= ranked.getRank())
    return ShapedType::kDynamic;
  return ranked.getDimSize(i);
}

} // namespace seqc::seq::detail
