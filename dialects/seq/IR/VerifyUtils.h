//===- VerifyUtils.h - shared verifier and inference helpers ----*- C++ -*-===//
//
// Every seq verifier reports shape errors in one wording:
//   expected <what> dim <i> (<n>) to match <other> dim <j> (<m>)
// so users learn one message shape, and tests can name the exact dims.
// Dynamic dims (`?`) match anything: they are checked at run time.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECTS_SEQ_IR_VERIFYUTILS_H
#define SEQC_DIALECTS_SEQ_IR_VERIFYUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

namespace seqc::seq::detail {

/// A tensor operand (or result) and the name verifier messages use for it.
struct NamedTensor {
  mlir::RankedTensorType type;
  llvm::StringRef name;

  NamedTensor(mlir::Value value, llvm::StringRef name);
  NamedTensor(mlir::Type type, llvm::StringRef name);

  /// Dim `i`; negative counts from the back (-1 is the last dim).
  int64_t dim(int64_t i) const;
  int64_t rank() const { return type.getRank(); }
  /// Normalises a possibly negative dim index.
  int64_t index(int64_t i) const { return i < 0 ? i + rank() : i; }
};

/// Emits "expected A dim i (x) to match B dim j (y)" unless the two dims are
/// equal or either is dynamic.
mlir::LogicalResult matchDim(mlir::Operation *op, const NamedTensor &a,
                             int64_t i, const NamedTensor &b, int64_t j);

/// Checks `t`'s dims against `expected`, given as (tensor, dim) references:
/// dim k of `t` must match dim expected[k].second of expected[k].first.
mlir::LogicalResult
matchShape(mlir::Operation *op, const NamedTensor &t,
           llvm::ArrayRef<std::pair<const NamedTensor *, int64_t>> expected);

/// Checks that all floating-point tensor operands and results share the
/// element type of the first one; names the first that differs.
mlir::LogicalResult verifySameFloatElementType(mlir::Operation *op);

/// Dim `i` of a ranked tensor type, or dynamic when the type is not a ranked
/// tensor or has no such dim (inference must not crash on malformed input;
/// the ODS constraints and the verifier report it).
int64_t dimOrDynamic(mlir::Type type, int64_t i);

/// Prints a float attribute value the way users wrote it ("0.5", "1e-06").
std::string formatFloat(double value);

/// Element type of a shaped type, or null.
mlir::Type elementTypeOf(mlir::Type type);

} // namespace seqc::seq::detail

#endif // SEQC_DIALECTS_SEQ_IR_VERIFYUTILS_H
