//===- GgufImporter.h - seqc import gguf ------------------------*- C++ -*-===//
//
// Builds a seq-dialect model from a llama.cpp GGUF file: the architecture
// and hyper-parameters from its metadata, the weights bound by name from the
// file itself at load time (seen as the Hugging Face checkpoint the file was
// converted from: runtime/formats/GgufCheckpoint.h), each tensor in the
// block format the file stores it in.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_FRONTENDS_GGUF_GGUFIMPORTER_H
#define SEQC_FRONTENDS_GGUF_GGUFIMPORTER_H

#include "frontends/hf/Importer.h"

namespace seqc::gguf {

/// GGUF architectures `importGguf` understands ("llama", "qwen2").
std::vector<std::string> supportedArchitectures();

/// Imports the model in GGUF file `path`. On failure returns null and sets
/// `error` to a message naming the file and the metadata key or tensor at
/// fault. `options.weights` must be Auto: the file's formats are kept.
mlir::OwningOpRef<mlir::ModuleOp> importGguf(mlir::MLIRContext *context,
                                             const std::string &path,
                                             const hf::ImportOptions &options,
                                             std::string &error);

} // namespace seqc::gguf

#endif // SEQC_FRONTENDS_GGUF_GGUFIMPORTER_H
