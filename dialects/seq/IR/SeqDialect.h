//===- SeqDialect.h - seq dialect -------------------------------*- C++ -*-===//
//
// The `seq` dialect class. Lives in `seqc::seq` (CIRCT owns `circt::seq`).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECTS_SEQ_IR_SEQDIALECT_H
#define SEQC_DIALECTS_SEQ_IR_SEQDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"

#include "dialects/seq/IR/SeqDialect.h.inc"

#endif // SEQC_DIALECTS_SEQ_IR_SEQDIALECT_H
