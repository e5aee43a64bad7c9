//===- SeqOps.h - seq dialect operations ------------------------*- C++ -*-===//

#ifndef SEQC_DIALECTS_SEQ_IR_SEQOPS_H
#define SEQC_DIALECTS_SEQ_IR_SEQOPS_H

#include "dialects/seq/IR/SeqAttrs.h"
#include "dialects/seq/IR/SeqDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/seq/IR/SeqOps.h.inc"

#endif // SEQC_DIALECTS_SEQ_IR_SEQOPS_H
