//===- Architectures.h - one builder per model family -----------*- C++ -*-===//

#ifndef SEQC_FRONTENDS_HF_ARCHITECTURES_H
#define SEQC_FRONTENDS_HF_ARCHITECTURES_H

#include "frontends/hf/HfConfig.h"
#include "frontends/hf/Importer.h"
#include "frontends/hf/ModelEmitter.h"

namespace seqc::hf {

/// Each builder reads `config`, emits the forward computation into `emitter`
/// (between beginForward and finish) and returns the logits, or null after
/// recording an error in the config or the emitter.
mlir::Value buildLlamaFamily(ModelEmitter &emitter, HfConfig &config,
                             llvm::StringRef architecture,
                             int64_t maxPositions);

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_ARCHITECTURES_H
