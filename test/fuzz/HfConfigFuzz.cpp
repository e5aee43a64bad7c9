//===- HfConfigFuzz.cpp - libFuzzer entry for `seqc import hf` ------------===//
//
// The first input byte picks the checkpoint of one golden model folder
// (test/Frontends/hf/goldens); the rest is its config.json. The importer
// must either build a module that verifies, or fail with a message that
// names the folder or file -- never crash, hang on huge sizes, or overflow
// its stack on deep nesting.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Importer.h"

#include "dialects/seq/IR/SeqDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

const char *const kGoldens[] = {"llama_gqa",
                                "mistral_sliding",
                                "qwen2_bias",
                                "gpt2",
                                "mamba",
                                "mamba2",
                                "jamba",
                                "bert",
                                "lfm2",
                                "bamba",
                                "granite_hybrid_moe",
                                "falcon_h1",
                                "nemotron_h",
                                "zamba2",
                                "recurrent_gemma",
                                "qwen3_next",
                                "lfm2_moe",
                                "rwkv",
                                "xlstm"};

/// A scratch model folder per golden: its weights linked in, config.json
/// rewritten per input.
std::string folderFor(size_t which) {
  static std::vector<std::string> folders;
  if (folders.empty()) {
    const char *tmp = std::getenv("TMPDIR");
    std::string root = std::string(tmp && *tmp ? tmp : "/tmp") +
                       "/seqc-hf-fuzz-" + std::to_string(::getpid());
    ::mkdir(root.c_str(), 0700);
    for (const char *golden : kGoldens) {
      std::string dir = root + "/" + golden;
      ::mkdir(dir.c_str(), 0700);
      std::string weights = std::string(SEQC_HF_GOLDENS_DIR) + "/" + golden +
                            "/model.safetensors";
      ::symlink(weights.c_str(), (dir + "/model.safetensors").c_str());
      folders.push_back(dir);
    }
  }
  return folders[which % folders.size()];
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::string folder = folderFor(data[0]);
  FILE *f = std::fopen((folder + "/config.json").c_str(), "wb");
  if (!f)
    std::abort();
  std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);

  mlir::DialectRegistry registry;
  registry.insert<seqc::seq::SeqDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::tensor::TensorDialect>();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  std::string error;
  seqc::hf::ImportOptions options;
  options.maxPositions = 64; // keep caches small whatever the config says
  mlir::OwningOpRef<mlir::ModuleOp> module =
      seqc::hf::importHuggingFace(&context, folder, options, error);
  if (!module) {
    if (error.empty())
      std::abort(); // every refusal says why
    return 0;
  }
  if (mlir::failed(mlir::verify(*module)))
    std::abort(); // an accepted config must give valid IR
  return 0;
}
