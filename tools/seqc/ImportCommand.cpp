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
#include "compiler/Progress.h"
#include "frontends/gguf/GgufImporter.h"
#include "frontends/hf/Importer.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

#include <chrono>

using namespace mlir;

/// Writes the weights an import quantized to `path`, whole or not at all.
static bool writeRewrittenWeights(const seqc::hf::RewrittenWeights &rewritten,
                                  const std::string &folder,
                                  const std::string &path,
                                  seqc::Progress &progress) {
  seqc::AtomicOutput output(path);
  if (!output.create())
    return false;
  std::error_code ec;
  std::string error;
  {
    llvm::raw_fd_ostream os(output.temp(), ec);
    if (ec) {
      llvm::errs() << "seqc: error: cannot write " << output.temp() << ": "
                   << ec.message() << "\n";
      return false;
    }
    auto step = [&](uint64_t done, uint64_t total) {
      progress.step(llvm::formatv("{0:F1}/{1:F1} MB", done / 1e6, total / 1e6),
                    done == total);
    };
    if (!rewritten.file.write(os, folder, error, step)) {
      llvm::errs() << "seqc: error: " << folder << ": " << error << "\n";
      return false;
    }
    os.close();
    if (os.has_error()) {
      llvm::errs() << "seqc: error: cannot write " << path << ": "
                   << os.error().message() << "\n";
      os.clear_error();
      return false;
    }
  }
  if (!output.commit())
    return false;
  seqc::Progress::eraseActive();
  llvm::errs() << llvm::format(
      "seqc: wrote %s (%.1f MB); run the model with --weights %s\n",
      path.c_str(), rewritten.file.bytes() / 1e6, path.c_str());
  return true;
}

/// Whether `format` quantizes weights into a new file.
static bool isBlockFormat(seqc::hf::WeightFormat format) {
  using seqc::hf::WeightFormat;
  return format == WeightFormat::Q8_0 || format == WeightFormat::Q4_0 ||
         format == WeightFormat::Q4_1 || format == WeightFormat::Q4_G128;
}

/// Imports `folder` and writes the verified module to `outputPath` (and
/// the weights it quantized or unpacked to `weightsPath`, by default the
/// output's name with .<format>.safetensors).
static bool importModel(const std::string &format, const std::string &folder,
                        const std::string &outputPath, std::string weightsPath,
                        const seqc::hf::ImportOptions &options, bool verbose) {
  // Phases: the import (config, checkpoint, seq IR), verification, the
  // quantized weights when there are any, the output.
  seqc::Progress progress("seqc import", verbose, 3);
  progress.begin("reading " + folder);
  DialectRegistry registry;
  seqc::registerCompilerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  std::string message;
  std::unique_ptr<seqc::hf::RewrittenWeights> rewritten;
  OwningOpRef<ModuleOp> module =
      format == "gguf"
          ? seqc::gguf::importGguf(&context, folder, options, message)
          : seqc::hf::importHuggingFace(&context, folder, options, message,
                                        &rewritten);
  if (!module) {
    seqc::Progress::eraseActive();
    llvm::errs() << "seqc: error: " << message << "\n";
    return false;
  }
  // An importer bug must not produce a file that fails later.
  if (rewritten)
    progress.setPhases(4);
  progress.begin("verifying the seq IR");
  if (failed(verify(*module)))
    return false;
  if (rewritten && weightsPath.empty()) {
    if (outputPath == "-") {
      llvm::errs() << "seqc: error: this import writes a weights file ("
                   << rewritten->file.formatName()
                   << "): name it with --weights-out when the model goes to "
                      "stdout\n";
      return false;
    }
    llvm::SmallString<256> path(outputPath);
    if (llvm::sys::path::extension(path) == ".mlir")
      llvm::sys::path::replace_extension(path, "");
    path += ".";
    path += rewritten->file.formatName();
    path += ".safetensors";
    weightsPath = std::string(path);
  }
  if (rewritten && weightsPath == outputPath) {
    llvm::errs() << "seqc: error: --weights-out names the model's output ("
                 << outputPath << ")\n";
    return false;
  }
  if (!rewritten && !weightsPath.empty()) {
    llvm::errs() << "seqc: error: --weights-out names a file this import "
                    "does not write: the checkpoint is read as it is (only "
                    "--weights=q8_0|q4_0|q4_1|q4_g128 and GPTQ/AWQ "
                    "checkpoints write one)\n";
    return false;
  }
  if (rewritten)
    progress.begin("writing " + weightsPath);
  if (rewritten &&
      !writeRewrittenWeights(*rewritten, folder, weightsPath, progress))
    return false;
  if (!rewritten && isBlockFormat(options.weights))
    llvm::errs() << "seqc: note: no projection weight has a multiple of "
                 << (options.weights == seqc::hf::WeightFormat::Q4_G128 ? 128
                                                                        : 32)
                 << " input features; nothing was quantized, the model "
                    "reads "
                 << folder << " as it is\n";
  progress.begin("writing " + outputPath);
  if (!seqc::writeOutputFile(outputPath,
                             [&](llvm::raw_ostream &os) { module->print(os); }))
    return false;
  progress.finish();
  return true;
}

static const char *kImportUsage =
    "usage: seqc import hf MODEL_DIR -o model.mlir [--max-positions N]\n"
    "                      [--max-tokens-per-call N] [--weights=FORMAT]\n"
    "                      [--weights-out FILE]\n"
    "                      [--kv-cache=f32|bf16|f16|q8]\n"
    "       seqc import gguf MODEL.gguf -o model.mlir [--max-positions N]\n"
    "                      [--max-tokens-per-call N] [--kv-cache=...]\n"
    "\n"
    "Imports a Hugging Face model folder (config.json + *.safetensors) into\n"
    "the seq dialect. Weights stay in the folder; pass it to the runtime\n"
    "(quantized weights go to a new file instead, see --weights).\n"
    "A llama.cpp GGUF file (architectures llama and qwen2) is imported\n"
    "likewise: its metadata gives the architecture, and the model reads its\n"
    "tensors from the file in the formats the file stores (F32, F16, BF16,\n"
    "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL,\n"
    "IQ4_XS); pass the .gguf to the runtime as the weights.\n"
    "  --max-positions N   KV-cache capacity (default: the config's\n"
    "                      max_position_embeddings, at most 4096)\n"
    "  --max-tokens-per-call N\n"
    "                      most tokens one model call takes (default 512;\n"
    "                      the runtime cuts longer prompts). Sliding-window\n"
    "                      layers keep a ring of window + N - 1 KV slots\n"
    "                      when that is smaller than --max-positions\n"
    "  --weights=auto|f32|bf16|f16|q8_0|q4_0|q4_1|q4_g128\n"
    "                      what projection weights (LM head included) and\n"
    "                      the token embedding table are kept in: auto\n"
    "                      (default) as the checkpoint stores them (bf16 and\n"
    "                      f16 stay 16-bit: half the memory and decode\n"
    "                      traffic of f32), f32, or bf16/f16 rounded to\n"
    "                      nearest even at load; q8_0 quantizes them to\n"
    "                      8-bit blocks of 32 with an f16 scale (llama.cpp's\n"
    "                      Q8_0, same rounding; a weight whose input size is\n"
    "                      not a multiple of 32 stays as stored) into a new\n"
    "                      weights file, which the model then runs with;\n"
    "                      q4_0 likewise to 4-bit values in blocks of 32\n"
    "                      (llama.cpp's Q4_0, same rounding); q4_1 to affine\n"
    "                      4-bit blocks of 32, q·d + m (llama.cpp's Q4_1);\n"
    "                      q4_g128 likewise on groups of 128.\n"
    "                      Norms, biases and SSM parameters stay f32; the\n"
    "                      model computes in f32. GPTQ and AWQ 4-bit\n"
    "                      checkpoints (quantization_config) are read as\n"
    "                      packed: the import unpacks their layers into a\n"
    "                      new weights file (.gptq/.awq.safetensors)\n"
    "  --weights-out FILE  where --weights=q8_0|q4_0|q4_1|q4_g128 (or a\n"
    "                      GPTQ/AWQ import) writes the weights\n"
    "                      (default: the output's name with\n"
    "                      .<format>.safetensors in place of .mlir)\n"
    "  --kv-cache=f32|bf16|f16|q8\n"
    "                      what attention KV caches hold (default f32):\n"
    "                      bf16/f16 halve their memory and decode traffic\n"
    "                      (new keys and values rounded to nearest even as\n"
    "                      they are stored); q8 keeps 8-bit values with an\n"
    "                      f16 scale per block of 32 along the head dim\n"
    "                      (llama.cpp's q8_0 cache; one scale per head\n"
    "                      vector when 32 does not divide it): about a\n"
    "                      quarter of f32. Attention computes in f32\n"
    "  --time-report       print how long the import took (the compile's\n"
    "                      phases: seqc model.mlir --time-report)\n"
    "  -v, --verbose       print each phase (reading, verifying, writing the\n"
    "                      weights and the model) and its time; without it a\n"
    "                      terminal shows one progress line\n";

/// `seqc import hf DIR -o OUT [--max-positions N] [--max-tokens-per-call N]`.
int seqc::importCommand(int argc, char **argv) {
  std::string format, folder, output, weightsOut;
  seqc::hf::ImportOptions options;
  bool timeReport = false, verbose = false;
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
    if (a == "-v" || a == "--verbose") {
      verbose = true;
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
        llvm::errs() << "seqc: error: --weights expects auto, f32, bf16, "
                        "f16, q8_0, q4_0, q4_1 or q4_g128, got '"
                     << v << "'\n";
        return 1;
      }
      options.weights = *format;
      continue;
    }
    if (llvm::StringRef(a).starts_with("--kv-cache") &&
        (a.size() == 10 || a[10] == '=')) {
      std::string v = a.size() > 10  ? a.substr(11)
                      : i + 1 < argc ? argv[++i]
                                     : "";
      if (v != "f32" && v != "bf16" && v != "f16" && v != "q8") {
        llvm::errs() << "seqc: error: --kv-cache expects f32, bf16, f16 or "
                        "q8, got '"
                     << v << "'\n";
        return 1;
      }
      options.kvCache = v;
      continue;
    }
    if ((a == "--weights-out" ||
         llvm::StringRef(a).starts_with("--weights-out=")) &&
        (a.size() > 13 || i + 1 < argc)) {
      weightsOut = a.size() > 13 ? a.substr(14) : argv[++i];
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
  if ((format != "hf" && format != "gguf") || folder.empty()) {
    llvm::errs() << (format.empty() || format == "hf"
                         ? std::string("seqc: error: missing MODEL_DIR\n")
                     : format == "gguf"
                         ? std::string("seqc: error: missing MODEL.gguf\n")
                         : "seqc: error: unknown import format '" + format +
                               "' (supported: hf, gguf)\n")
                 << kImportUsage;
    return 1;
  }
  if (output.empty()) {
    llvm::SmallString<256> path(
        llvm::sys::path::filename(llvm::StringRef(folder).rtrim('/')));
    if (format == "gguf" && llvm::sys::path::extension(path) == ".gguf")
      llvm::sys::path::replace_extension(path, "");
    path += ".mlir";
    output = std::string(path);
  }
  auto start = std::chrono::steady_clock::now();
  bool imported =
      importModel(format, folder, output, weightsOut, options, verbose);
  if (imported && timeReport)
    llvm::errs() << llvm::format(
        "seqc: import: %.4f s (config, checkpoint header, seq IR, "
        "verification, output)\n",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
  return imported ? 0 : 1;
}
