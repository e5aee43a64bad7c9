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
/// LFM2: gated short convolutions and attention, per layer_types.
mlir::Value buildLfm2(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);
mlir::Value buildGpt2(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);
mlir::Value buildMamba(ModelEmitter &emitter, HfConfig &config,
                       llvm::StringRef architecture, int64_t maxPositions);
/// An encoder: returns the last hidden state, not logits.
mlir::Value buildBert(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);

mlir::Value buildMamba2(ModelEmitter &emitter, HfConfig &config,
                        llvm::StringRef architecture, int64_t maxPositions);
mlir::Value buildJamba(ModelEmitter &emitter, HfConfig &config,
                       llvm::StringRef architecture, int64_t maxPositions);
/// Encoder-decoders: return the decoder's logits and add `encode`.
mlir::Value buildMarian(ModelEmitter &emitter, HfConfig &config,
                        llvm::StringRef architecture, int64_t maxPositions);
/// BART and mBART.
mlir::Value buildBart(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);
/// Whisper: `encode` reads log-mel features.
mlir::Value buildWhisper(ModelEmitter &emitter, HfConfig &config,
                         llvm::StringRef architecture, int64_t maxPositions);
/// T5, T5 v1.1 / Flan-T5, mT5.
mlir::Value buildT5(ModelEmitter &emitter, HfConfig &config,
                    llvm::StringRef architecture, int64_t maxPositions);

/// Rotary position settings: rope_theta (default `defaultTheta`) and the
/// scaling kind of rope_parameters / rope_scaling, as seq.rope takes them.
struct RopeScaling {
  seq::RopeScalingKind kind = seq::RopeScalingKind::none;
  double theta = 10000.0;
  double factor = 1, low = 1, high = 4;
  int64_t original = 0;
};
/// Reads them, recording kinds seq.rope does not compute (dynamic,
/// longrope, yarn) and keys the kind does not read as errors.
RopeScaling readRopeScaling(HfConfig &config, double defaultTheta);
/// seq.rope on `x` [1, S, heads, dim] at `positions` [S].
mlir::Value rope(ModelEmitter &emitter, mlir::Value x, mlir::Value positions,
                 const RopeScaling &scaling);

/// The activation named by config field `key` (transformers' ACT2FN names
/// that seq.activation computes exactly: relu, gelu, gelu_python, gelu_new,
/// gelu_pytorch_tanh, gelu_accurate, silu, swish, sigmoid, tanh); records an
/// error naming the field for any other.
seq::ActivationKind activationField(HfConfig &config, llvm::StringRef key,
                                    llvm::StringRef fallback);

/// Sizes of a Mamba (S6) mixer, shared by Mamba and Jamba.
struct MambaSizes {
  int64_t hidden = 0, inner = 0, state = 16, conv = 4, dtRank = 0;
  bool bias = false, convBias = true;
  /// Jamba normalises dt, B and C (RMSNorm with this epsilon) after x_proj.
  std::optional<double> innerNormEpsilon;
};
MambaSizes readMambaSizes(HfConfig &config, int64_t hidden);
/// Accepts the Mamba-family fields that only initialisation or training
/// read; rejects rescale_prenorm_residual (it changes loaded weights).
void acceptMambaTrainingFields(HfConfig &config);

/// One Mamba mixer on `x` (already normalised), with weights under `prefix`
/// and states `<stateName>.conv_state` / `.ssm_state`.
mlir::Value emitMambaMixer(ModelEmitter &emitter, mlir::Value x,
                           llvm::StringRef prefix, llvm::StringRef stateName,
                           const MambaSizes &sizes);

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_ARCHITECTURES_H
