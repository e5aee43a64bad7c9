//===- MlirFuzz.cpp - libFuzzer entry for seqc's MLIR input ---------------===//
//
// Each input is parsed as a module with seqc's dialects, verified, and, when
// valid, run through the seq-level passes and the lowering to linalg (the
// phases where the dialect's own code runs; LLVM code generation is left to
// the e2e tests). Errors are expected; crashes are bugs.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/SourceMgr.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    seqc::registerCompilerDialects(*r);
    return r;
  }();
  mlir::MLIRContext context(*registry, mlir::MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  // Diagnostics are expected; keep them off the fuzzer's output.
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  std::string text(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  if (!module)
    return 0;
  mlir::PassManager pm(&context);
  seqc::buildSeqPassPipeline(pm, {});
  seqc::SeqToLinalgOptions toLinalg;
  seqc::buildSeqToLinalgPipeline(pm, toLinalg);
  (void)pm.run(*module);
  return 0;
}
