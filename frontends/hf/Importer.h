//===- Importer.h - seqc import hf ------------------------------*- C++ -*-===//
//
// Builds a seq-dialect model from a Hugging Face model folder: config.json
// for the architecture and sizes, safetensors headers for the weight names
// and shapes (weights stay in the files and are bound at load time).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_FRONTENDS_HF_IMPORTER_H
#define SEQC_FRONTENDS_HF_IMPORTER_H

#include "frontends/hf/WeightsFile.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/ADT/StringRef.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace seqc::hf {

/// The element type projection weights (seq.linear, the untied LM head
/// included) are compiled to read; everything else stays f32. The model
/// computes in f32 either way.
enum class WeightFormat {
  Auto, ///< as the checkpoint stores each one: bf16, f16, else f32
  F32,  ///< widened to f32 at load
  BF16, ///< bf16 (rounded to nearest even at load when stored wider)
  F16,  ///< IEEE half (likewise)
  /// ggml's Q8_0: 8-bit values in blocks of 32 along the input features
  /// with an f16 scale each, written by the import to a new weights file
  Q8_0,
  /// ggml's Q4_0: 4-bit values (q - 8) in blocks of 32, f16 scale each;
  /// written like Q8_0
  Q4_0,
  /// ggml's Q4_1: affine 4-bit blocks of 32, q · d + m (f16 d, m)
  Q4_1,
  /// Q4_1's rounding on affine groups of 128 (the group GPTQ and AWQ use)
  Q4_G128,
};

/// Parses "auto", "f32", "bf16", "f16", "q8_0", "q4_0", "q4_1" or
/// "q4_g128".
std::optional<WeightFormat> parseWeightFormat(llvm::StringRef name);

struct ImportOptions {
  /// KV-cache capacity (positions a session holds). 0: the config's
  /// max_position_embeddings, capped at 4096.
  int64_t maxPositions = 0;
  /// Most tokens one model call takes (the runtime cuts prompts to it).
  /// Sliding-window layers keep rings of window + maxTokensPerCall - 1 slots
  /// when that is smaller than maxPositions.
  int64_t maxTokensPerCall = 512;
  /// What projection weights are kept in (--weights).
  WeightFormat weights = WeightFormat::Auto;
  /// What attention KV caches hold (--kv-cache): "f32", "bf16", "f16" or
  /// "q8" (8-bit blocks with f16 scales).
  std::string kvCache = "f32";
};

/// Architectures `importHuggingFace` understands ("LlamaForCausalLM", ...).
std::vector<std::string> supportedArchitectures();

/// The weights file an import writes when it quantizes weights: the
/// checkpoint it reads from and what to write.
struct RewrittenWeights {
  std::unique_ptr<seqrt::WeightStore> checkpoint;
  WeightsFile file;
};

/// Imports the model in `folder`. On failure returns null and sets `error`
/// to a message naming the file, field or tensor at fault. When the
/// import quantizes weights (--weights=q8_0), `rewritten` (required then)
/// receives the weights file to write; the model reads its weights from
/// that file, not from the checkpoint.
mlir::OwningOpRef<mlir::ModuleOp>
importHuggingFace(mlir::MLIRContext *context, const std::string &folder,
                  const ImportOptions &options, std::string &error,
                  std::unique_ptr<RewrittenWeights> *rewritten = nullptr);

class HfConfig;
class ModelEmitter;

/// The import after its inputs are read: `config` (config.json, or what
/// another frontend derives from its file) and the checkpoint `weights`;
/// `origin` names them in errors. `configure` (optional) adjusts the
/// emitter before the model is built (what a frontend knows beyond the
/// config).
mlir::OwningOpRef<mlir::ModuleOp>
importModel(mlir::MLIRContext *context, HfConfig &config,
            std::unique_ptr<seqrt::WeightStore> weights,
            const std::string &origin, const ImportOptions &options,
            std::string &error,
            std::unique_ptr<RewrittenWeights> *rewritten = nullptr,
            const std::function<void(ModelEmitter &)> &configure = nullptr);

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_IMPORTER_H
