//===- Importer.cpp - seqc import hf: dispatch by architecture ------------===//

#include "frontends/hf/Importer.h"

#include "frontends/hf/Architectures.h"

#include "SafeTensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace seqc::hf {

namespace {
struct Family {
  const char *architecture;
  Value (*build)(ModelEmitter &, HfConfig &, StringRef, int64_t);
  bool encoder; ///< returns hidden states (an `embed` entry), not logits
};

const Family kFamilies[] = {
    {"LlamaForCausalLM", buildLlamaFamily, false},
    {"MistralForCausalLM", buildLlamaFamily, false},
    {"Qwen2ForCausalLM", buildLlamaFamily, false},
    {"GPT2LMHeadModel", buildGpt2, false},
    {"MambaForCausalLM", buildMamba, false},
    {"Mamba2ForCausalLM", buildMamba2, false},
    {"JambaForCausalLM", buildJamba, false},
    {"BertModel", buildBert, true},
};
} // namespace

std::vector<std::string> supportedArchitectures() {
  std::vector<std::string> names;
  for (const Family &f : kFamilies)
    names.push_back(f.architecture);
  return names;
}

OwningOpRef<ModuleOp> importHuggingFace(MLIRContext *context,
                                        const std::string &folder,
                                        const ImportOptions &options,
                                        std::string &error) {
  if (!llvm::sys::fs::is_directory(folder)) {
    error = folder + ": not a model folder (expected config.json and "
                     "*.safetensors)";
    return nullptr;
  }
  llvm::SmallString<256> configPath(folder);
  llvm::sys::path::append(configPath, "config.json");
  std::optional<HfConfig> config =
      HfConfig::load(std::string(configPath), error);
  if (!config)
    return nullptr;
  std::string arch = config->architecture();
  const Family *family = nullptr;
  for (const Family &f : kFamilies)
    if (arch == f.architecture)
      family = &f;
  if (!family) {
    error = std::string(configPath) + ": architecture '" + arch +
            "' is not supported; supported: ";
    for (const Family &f : kFamilies)
      error += std::string(f.architecture) + (&f != std::end(kFamilies) - 1 ? ", " : "");
    return nullptr;
  }
  std::unique_ptr<seqrt::WeightStore> weights =
      seqrt::WeightStore::open(folder, error);
  if (!weights)
    return nullptr;

  int64_t maxPositions = options.maxPositions;
  if (maxPositions <= 0) {
    // GPT-2 names it n_positions; state-space models have no limit but a
    // hybrid's caches need one.
    int64_t limit = config->integer(
        "max_position_embeddings", config->integer("n_positions", 4096));
    maxPositions = std::min<int64_t>(limit, 4096);
  }
  ModelEmitter emitter(context, *weights, folder);
  emitter.setMaxTokensPerCall(options.maxTokensPerCall);
  Value logits = family->build(emitter, *config, arch, maxPositions);
  if (!config->error().empty()) {
    error = config->error();
    return nullptr;
  }
  if (!emitter.error().empty() || !logits) {
    error = folder + ": " + emitter.error();
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = family->encoder
                                     ? emitter.finishEncoder(logits)
                                     : emitter.finish(logits, maxPositions);
  if (!emitter.error().empty()) {
    error = folder + ": " + emitter.error();
    return nullptr;
  }
  return module;
}

} // namespace seqc::hf
