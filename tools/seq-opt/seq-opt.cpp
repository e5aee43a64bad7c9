//===- seq-opt.cpp - seqc's mlir-opt
//---------------------------------------===//
//
// MlirOptMain with the seq dialect, the upstream dialects seq IR is written
// with, and the passes seqc uses. Registers nothing else: link and start-up
// time matter, and lit tests should only see what the compiler sees.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines.h"
#include "dialects/seq/IR/SeqDialect.h"
#include "passes/Codegen/CPU/Passes.h"
#include "passes/Codegen/GPU/Passes.h"
#include "passes/Codegen/Strategy/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<seqc::seq::SeqDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect,
                  mlir::bufferization::BufferizationDialect,
                  mlir::LLVM::LLVMDialect, mlir::memref::MemRefDialect>();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerInlinerPass();
  mlir::registerSymbolDCEPass();
  // For tests of what the CFG lowering meets (seq-lower-alloca-scopes).
  mlir::registerPass([] { return mlir::createSCFToControlFlowPass(); });
  // For tests of how seq ops bufferize (seq.prefetch).
  mlir::bufferization::registerOneShotBufferizePass();
  seqc::registerSeqcConversionPasses();
  seqc::registerSeqcCodegenCPUPasses();
  seqc::registerSeqcCodegenGPUPasses();
  seqc::registerSeqcCodegenStrategyPasses();
  seqc::registerSeqcTransformsPasses();
  seqc::registerPipelines();
  seqc::registerCompilerDialects(registry);
  mlir::func::registerInlinerExtension(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "seqc optimizer driver\n", registry));
}
