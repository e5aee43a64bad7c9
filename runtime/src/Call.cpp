//===- Call.cpp - seq_model_run: call any stateless entry point -----------===//
//
// Checks caller tensors against the entry's descriptor (dtype, rank, static
// dims), then passes data pointers, index values and dynamic sizes in the
// order of the entry-point ABI (docs/abi.md).
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include "Error.h"
#include "Limits.h"
#include "Model.h"

namespace seqrt {
namespace {

const char *dtypeOf(seq_dtype dtype) {
  switch (dtype) {
  case SEQ_DTYPE_F32:
    return "f32";
  case SEQ_DTYPE_F16:
    return "f16";
  case SEQ_DTYPE_BF16:
    return "bf16";
  case SEQ_DTYPE_F64:
    return "f64";
  case SEQ_DTYPE_I64:
    return "i64";
  case SEQ_DTYPE_I32:
    return "i32";
  case SEQ_DTYPE_I8:
    return "i8";
  case SEQ_DTYPE_I1:
    return "i1";
  }
  return "?";
}

std::string describe(const seq_tensor &t) {
  TensorSpec spec{dtypeOf(t.dtype), {}};
  for (int32_t i = 0; i < t.rank && i < SEQ_MAX_RANK; ++i)
    spec.shape.push_back(t.shape[i]);
  return spec.str();
}

/// Checks `t` against `spec`; appends its dynamic dims to `ints`.
Error bindTensor(const seq_tensor &t, const TensorSpec &spec,
                 const std::string &what, std::vector<int64_t> &ints) {
  if (t.rank < 0 || t.rank > SEQ_MAX_RANK || spec.dtype != dtypeOf(t.dtype) ||
      static_cast<size_t>(t.rank) != spec.shape.size())
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, what + " is " + describe(t) +
                                                     " but the entry expects " +
                                                     spec.str());
  for (int32_t d = 0; d < t.rank; ++d) {
    if (t.shape[d] < 0 || (spec.shape[d] >= 0 && spec.shape[d] != t.shape[d]))
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       what + " is " + describe(t) + " but the entry expects " +
                           spec.str());
    if (spec.shape[d] < 0)
      ints.push_back(t.shape[d]);
  }
  // The caller's buffer must hold the whole tensor: the size must not wrap.
  uint64_t count = 1;
  for (int32_t d = 0; d < t.rank; ++d)
    if (!checkedMul(count, static_cast<uint64_t>(t.shape[d]), count) ||
        count > kMaxTensorBytes)
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       what + " " + describe(t) + " is larger than 1 TiB");
  if (!t.data && count > 0)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, what + " has no data");
  return Error::ok();
}

} // namespace

Error runEntry(seq_model &model, const char *name, const seq_tensor *inputs,
               size_t nInputs, seq_tensor *outputs, size_t nOutputs) {
  const Entry *entry = model.descriptor.findEntry(name);
  if (!entry)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     model.libraryPath + " has no entry point '" + name + "'");
  size_t wantIn = 0, wantOut = 0;
  for (const EntryArg &arg : entry->args) {
    if (arg.kind == EntryArg::Kind::State)
      return makeError(SEQ_ERROR_UNSUPPORTED,
                       std::string("entry '") + name +
                           "' has session state ('" + arg.name +
                           "'); run it through a session");
    (arg.kind == EntryArg::Kind::Output ? wantOut : wantIn)++;
  }
  if (nInputs != wantIn || nOutputs != wantOut)
    return makeError(
        SEQ_ERROR_INVALID_ARGUMENT,
        std::string("entry '") + name + "' takes " + std::to_string(wantIn) +
            " inputs and " + std::to_string(wantOut) + " outputs, got " +
            std::to_string(nInputs) + " and " + std::to_string(nOutputs));
  if ((nInputs && !inputs) || (nOutputs && !outputs))
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, "inputs or outputs is NULL");

  std::vector<void *> buffers;
  std::vector<int64_t> ints;
  // Per buffer: its host tensor and whether it is an output (staged through
  // the device for --target=cuda models).
  std::vector<std::pair<const seq_tensor *, bool>> staged;
  size_t in = 0, out = 0;
  for (const EntryArg &arg : entry->args) {
    if (arg.kind == EntryArg::Kind::Index) {
      const seq_tensor &t = inputs[in];
      if (t.dtype != SEQ_DTYPE_I64 || t.rank != 0 || !t.data)
        return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                         "input #" + std::to_string(in) +
                             " is an index: pass a rank-0 i64 tensor");
      ints.push_back(*static_cast<const int64_t *>(t.data));
      ++in;
      continue;
    }
    bool isOutput = arg.kind == EntryArg::Kind::Output;
    const seq_tensor &t = isOutput ? outputs[out] : inputs[in];
    std::string what = (isOutput ? "output #" + std::to_string(out)
                                 : "input #" + std::to_string(in));
    if (Error e = bindTensor(t, arg.spec, what, ints))
      return e;
    buffers.push_back(t.data);
    staged.push_back({&t, isOutput});
    (isOutput ? out : in)++;
  }
  LmEntry resolved;
  if (Error e = resolveEntry(model, *entry, resolved))
    return e;
  if (!model.cuda.alloc) {
    model.call(resolved.fn, buffers.data(), ints.data());
    return Error::ok();
  }
  // CUDA: inputs to device buffers, the call, outputs back.
  std::vector<StagedBuffer> staging;
  for (auto [t, isOutput] : staged) {
    StagedBuffer b;
    b.bytes = TensorSpec{dtypeOf(t->dtype), {}}.elementSize();
    for (int32_t d = 0; d < t->rank; ++d)
      b.bytes *= static_cast<size_t>(t->shape[d]);
    b.copyIn = !isOutput;
    b.copyOut = isOutput;
    staging.push_back(b);
  }
  return callOnDevice(model, resolved.fn, buffers, staging, ints.data(),
                      std::string("'") + name + "'");
}

Error entryTensor(const seq_model &model, const char *name, bool isOutput,
                  size_t index, seq_tensor &out) {
  const Entry *entry = model.descriptor.findEntry(name);
  if (!entry)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     model.libraryPath + " has no entry point '" + name + "'");
  size_t seen = 0;
  for (const EntryArg &arg : entry->args) {
    if ((arg.kind == EntryArg::Kind::Output) != isOutput)
      continue;
    if (seen++ != index)
      continue;
    out = seq_tensor{};
    if (arg.kind == EntryArg::Kind::Index) {
      out.dtype = SEQ_DTYPE_I64;
      return Error::ok();
    }
    static const std::pair<const char *, seq_dtype> kTypes[] = {
        {"f32", SEQ_DTYPE_F32},   {"f16", SEQ_DTYPE_F16},
        {"bf16", SEQ_DTYPE_BF16}, {"f64", SEQ_DTYPE_F64},
        {"i64", SEQ_DTYPE_I64},   {"i32", SEQ_DTYPE_I32},
        {"i8", SEQ_DTYPE_I8},     {"i1", SEQ_DTYPE_I1}};
    for (auto &[text, dtype] : kTypes)
      if (arg.spec.dtype == text)
        out.dtype = dtype;
    if (arg.spec.shape.size() > SEQ_MAX_RANK)
      return makeError(SEQ_ERROR_UNSUPPORTED, "tensor rank above SEQ_MAX_RANK");
    out.rank = static_cast<int32_t>(arg.spec.shape.size());
    for (size_t d = 0; d < arg.spec.shape.size(); ++d)
      out.shape[d] = arg.spec.shape[d];
    return Error::ok();
  }
  return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                   std::string("entry '") + name + "' has no " +
                       (isOutput ? "output #" : "input #") +
                       std::to_string(index));
}

Error entryArity(const seq_model &model, const char *name, size_t &nIn,
                 size_t &nOut) {
  const Entry *entry = model.descriptor.findEntry(name);
  if (!entry)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     model.libraryPath + " has no entry point '" + name + "'");
  nIn = nOut = 0;
  for (const EntryArg &arg : entry->args)
    (arg.kind == EntryArg::Kind::Output ? nOut : nIn)++;
  return Error::ok();
}

} // namespace seqrt
