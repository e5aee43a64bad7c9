//===- ImportCommand.cpp - `seqc import` ----------------------------------===//
//
// The import subcommand: a frontend (Hugging Face folders today) writes the
// model as verified seq IR. The compiler library does not know frontends;
// this tool links both.
//
//===----------------------------------------------------------------------===//

#include "tools/seqc/ImportCommand.h"

#include "compiler/OutputFile.h"
#include "compiler/Pipelines.h"
#include "frontends/hf/Importer.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

#include <chrono>

using namespace mlir;

/// Imports `folder` and writes the verified module to `outputPath`.
static bool importHuggingFaceModel(const std::string &folder,
                                   const std::string &outputPath,
                                   const seqc::hf::ImportOptions &options) {
  DialectRegistry registry;
  seqc::registerCompilerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  std::string message;
  OwningOpRef<ModuleOp> module =
      seqc::hf::importHuggingFace(&context, folder, options, message);
  if (!module) {
    llvm::errs() << "seqc: error: " << message << "\n";
    return false;
  }
  // An importer bug must not produce a file that fails later.
  if (failed(verify(*module)))
    return false;
  return seqc::writeOutputFile(
      outputPath, [&](llvm::raw_ostream &os) { module->print(os); });
}

static const char *kImportUsage =
    "usage: seqc import hf MODEL_DIR -o model.mlir [--max-positions N]\n"
    "                      [--max-tokens-per-call N] [--weights=FORMAT]\n"
    "\n"
    "Imports a Hugging Face model folder (config.json + *.safetensors) into\n"
    "the seq dialect. Weights stay in the folder; pass it to the runtime.\n"
    "  --max-positions N   KV-cache capacity (default: the config's\n"
    "                      max_position_embeddings, at most 4096)\n"
    "  --max-tokens-per-call N\n"
    "                      most tokens one model call takes (default 512;\n"
    "                      the runtime cuts longer prompts). Sliding-window\n"
    "                      layers keep a ring of window + N - 1 KV slots\n"
    "                      when that is smaller than --max-positions\n"
    "  --weights=auto|f32|bf16|f16\n"
    "                      what projection weights (LM head included) and\n"
    "                      the token embedding table are kept in: auto\n"
    "                      (default) as the checkpoint stores them (bf16 and\n"
    "                      f16 stay 16-bit: half the memory and decode\n"
    "                      traffic of f32), f32, or bf16/f16 rounded to\n"
    "                      nearest even at load. Norms, biases and SSM\n"
    "                      parameters stay f32; the model computes in f32\n"
    "  --time-report       print how long the import took (the compile's\n"
    "                      phases: seqc model.mlir --time-report)\n";

/// `seqc import hf DIR -o OUT [--max-positions N] [--max-tokens-per-call N]`.
int seqc::importCommand(int argc, char **argv) {
  std::string format, folder, output;
  seqc::hf::ImportOptions options;
  bool timeReport = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      llvm::outs() << kImportUsage;
      return 0;
    }
    if (a == "--time-report" || a == "--mlir-timing") {
      timeReport = true;
      continue;
    }
    if (llvm::StringRef(a).starts_with("--weights") &&
        (a.size() == 9 || a[9] == '=')) {
      std::string v = a.size() > 9   ? a.substr(10)
                      : i + 1 < argc ? argv[++i]
                                     : "";
      std::optional<seqc::hf::WeightFormat> format =
          seqc::hf::parseWeightFormat(v);
      if (!format) {
        llvm::errs() << "seqc: error: --weights expects auto, f32, bf16 or "
                        "f16, got '"
                     << v << "'\n";
        return 1;
      }
      options.weights = *format;
      continue;
    }
    if ((a == "-o" || a == "--max-positions" || a == "--max-tokens-per-call") &&
        i + 1 < argc) {
      std::string v = argv[++i];
      int64_t *number = a == "--max-positions" ? &options.maxPositions
                                               : &options.maxTokensPerCall;
      if (a == "-o")
        output = v;
      else if (!llvm::to_integer(v, *number) || *number <= 0) {
        llvm::errs() << "seqc: error: " << a
                     << " expects a positive "
                        "integer, got '"
                     << v << "'\n";
        return 1;
      }
    } else if (format.empty()) {
      format = a;
    } else if (folder.empty()) {
      folder = a;
    } else {
      llvm::errs() << "seqc: error: unexpected argument '" << a << "'\n"
                   << kImportUsage;
      return 1;
    }
  }
  if (format != "hf" || folder.empty()) {
    llvm::errs() << (format.empty() || format == "hf"
                         ? std::string("seqc: error: missing MODEL_DIR\n")
                         : "seqc: error: unknown import format '" + format +
                               "' (supported: hf)\n")
                 << kImportUsage;
    return 1;
  }
  if (output.empty()) {
    llvm::SmallString<256> path(
        llvm::sys::path::filename(llvm::StringRef(folder).rtrim('/')));
    path += ".mlir";
    output = std::string(path);
  }
  auto start = std::chrono::steady_clock::now();
  bool imported = importHuggingFaceModel(folder, output, options);
  if (imported && timeReport)
    llvm::errs() << llvm::format(
        "seqc: import: %.4f s (config, checkpoint header, seq IR, "
        "verification, output)\n",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
  return imported ? 0 : 1;
}
