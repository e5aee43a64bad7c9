//===- Model.cpp - load a compiled model and bind its weights -------------===//

#include "Model.h"

#include "Half.h"

#include <algorithm>
#include <cmath>
#include <dlfcn.h>
#include <optional>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace seqrt {

namespace {

/// The element type a weight is compiled to read (f32, bf16/f16 for
/// projection weights kept narrow, i8 for the values of block-quantized
/// ones), or nullopt for any other.
std::optional<DType> compiledElement(const WeightSpec &spec) {
  if (spec.spec.dtype == "i8")
    return DType::I8;
  if (spec.spec.dtype == "i32") // index tables (a GPTQ layer's input order)
    return DType::I32;
  if (spec.spec.dtype == "f32")
    return DType::F32;
  if (spec.spec.dtype == "bf16")
    return DType::BF16;
  if (spec.spec.dtype == "f16")
    return DType::F16;
  return std::nullopt;
}

/// Converts stored tensor `info` (named `name`) to `to` at `out`.
Error convertWeight(const TensorInfo &info, const std::string &name, DType to,
                    void *out) {
  if (!readTensor(info, to, out))
    return makeError(
        SEQ_ERROR_INVALID_WEIGHTS,
        "weight '" + name + "' in " + info.file + " is stored as " +
            dtypeName(info.dtype) + "; the model reads " + dtypeName(to) +
            (to == DType::I8    ? " (the values of a block-quantized weight, "
                                  "bound from I8 data only)"
             : to == DType::I32 ? " (an index table, bound from I32 data only)"
                                : " (f32, f16, bf16 and f64 storage convert)"));
  return Error::ok();
}

/// Finds stored tensor `name` (`needed` is what the model reads) and checks
/// it has shape `stored`.
Error findWeight(const seq_model &model, const std::string &name,
                 const WeightSpec &spec, const std::vector<int64_t> &needed,
                 const std::vector<int64_t> &stored,
                 const std::string &weightsPath, const TensorInfo *&info) {
  info = model.store->find(name);
  if (!info)
    return makeError(
        SEQ_ERROR_INVALID_WEIGHTS,
        "weight '" + name + "' (" + TensorSpec{spec.spec.dtype, needed}.str() +
            ", needed by the model) is missing from " + weightsPath);
  if (info->shape != stored) {
    TensorSpec found{dtypeName(info->dtype), info->shape};
    return makeError(SEQ_ERROR_INVALID_WEIGHTS,
                     "weight '" + name + "' in " + info->file + " has shape " +
                         found.str() + " but the model needs " +
                         TensorSpec{spec.spec.dtype, stored}.str() +
                         (spec.transposed ? " (stored transposed)" : ""));
  }
  return Error::ok();
}

/// `count` elements of `size` bytes for weight `name`, or an error when
/// they cannot be had.
Error allocateWeight(size_t count, size_t size, const std::string &name,
                     std::unique_ptr<WeightBuffer> &out) {
  bool overflows = count != 0 && count * size / size != count;
  out = std::make_unique<WeightBuffer>(overflows ? SIZE_MAX : count * size);
  if (!out->data())
    return makeError(SEQ_ERROR_OUT_OF_MEMORY,
                     "cannot allocate " + std::to_string(count) + " × " +
                         std::to_string(size) + " bytes for weight '" + name +
                         "'");
  return Error::ok();
}

/// Keeps `buffer` with the model as the data of descriptor weight `index`.
void keepWeight(seq_model &model, size_t index,
                std::unique_ptr<WeightBuffer> buffer) {
  model.weightData[index] = buffer->data();
  model.converted.push_back(std::move(buffer));
}

/// Binds a stacked weight: slice i of dim 0 is the tensor named with the
/// `{}` of spec.name replaced by i; copied once into one buffer.
Error bindStackedWeight(seq_model &model, size_t index, DType element,
                        const std::string &weightsPath) {
  const WeightSpec &spec = model.descriptor.weights[index];
  std::vector<int64_t> slice(spec.spec.shape.begin() + 1,
                             spec.spec.shape.end());
  size_t sliceCount = 1;
  for (int64_t d : slice)
    sliceCount *= static_cast<size_t>(d);
  size_t at = spec.name.find("{}");
  size_t size = dtypeSize(element);
  std::unique_ptr<WeightBuffer> buffer;
  if (Error e =
          allocateWeight(sliceCount * static_cast<size_t>(spec.spec.shape[0]),
                         size, spec.name, buffer))
    return e;
  for (int64_t i = 0; i < spec.spec.shape[0]; ++i) {
    std::string name =
        spec.name.substr(0, at) + std::to_string(i) + spec.name.substr(at + 2);
    const TensorInfo *info = nullptr;
    if (Error e =
            findWeight(model, name, spec, slice, slice, weightsPath, info))
      return e;
    if (Error e = convertWeight(*info, name, element,
                                static_cast<uint8_t *>(buffer->data()) +
                                    static_cast<size_t>(i) * sliceCount * size))
      return e;
  }
  keepWeight(model, index, std::move(buffer));
  return Error::ok();
}

/// W [rows, K] (rows of `k`) as panels [P, K, p]: out[i, kk, j] = W[i·p +
/// j, kk], zero past its rows (a partial last panel). Blocks of kBlock k's
/// keep each block's writes in L1; panels are split over `threads`.
template <typename T>
void repackPanels(const T *w, T *out, size_t panels, size_t k, size_t p,
                  size_t rows, int threads) {
  constexpr size_t kBlock = 64;
  auto work = [&](size_t first, size_t last) {
    for (size_t i = first; i < last; ++i)
      for (size_t k0 = 0; k0 < k; k0 += kBlock) {
        size_t k1 = std::min(k, k0 + kBlock);
        for (size_t j = 0; j < p; ++j) {
          T *to = out + i * k * p + j;
          if (i * p + j >= rows) {
            for (size_t kk = k0; kk < k1; ++kk)
              to[kk * p] = T{};
            continue;
          }
          const T *row = w + (i * p + j) * k;
          for (size_t kk = k0; kk < k1; ++kk)
            to[kk * p] = row[kk];
        }
      }
  };
  size_t n = std::max<size_t>(
      1, std::min<size_t>(panels, static_cast<size_t>(std::max(threads, 1))));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n; ++t)
    pool.emplace_back(work, panels * t / n, panels * (t + 1) / n);
  work(0, panels / n);
  for (std::thread &t : pool)
    t.join();
}

/// Stored [rows, cols] to [cols, rows] (GPT-2's Conv1D weights).
template <typename T>
void transposeMatrix(const T *in, T *out, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      out[c * rows + r] = in[r * cols + c];
}

/// Lays out `in` (stored [N, K] or, transposed, [rows, cols]) as the compiled
/// code reads it, for elements of `size` bytes.
void layOut(const WeightSpec &spec, const void *in, void *out, size_t size,
            int threads) {
  auto run = [&](auto element) {
    using T = decltype(element);
    const T *from = static_cast<const T *>(in);
    T *to = static_cast<T *>(out);
    if (spec.transposed) {
      std::vector<int64_t> stored = spec.storedShape();
      transposeMatrix(from, to, static_cast<size_t>(stored[0]),
                      static_cast<size_t>(stored[1]));
    } else {
      repackPanels(from, to, static_cast<size_t>(spec.spec.shape[0]),
                   static_cast<size_t>(spec.spec.shape[1]),
                   static_cast<size_t>(spec.spec.shape[2]),
                   static_cast<size_t>(spec.storedShape()[0]), threads);
    }
  };
  if (size == 4)
    run(uint32_t{});
  else if (size == 2)
    run(uint16_t{});
  else
    run(uint8_t{});
}

/// Gives back the whole pages of a mapped tensor that was copied out (a
/// weight repacked at load): the mapping is read-only and private, so the
/// pages are dropped from this process and would be read again from the
/// file only if touched.
void releaseMappedPages(const uint8_t *data, size_t bytes) {
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0)
    return;
  uintptr_t first =
      (reinterpret_cast<uintptr_t>(data) + page - 1) / page * page;
  uintptr_t last = (reinterpret_cast<uintptr_t>(data) + bytes) / page * page;
  if (last > first)
    madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

/// Binds descriptor weight `index` to data in the store, converting stored
/// f16/bf16/f32/f64 to the element the compiled code reads (panels
/// repacked with `threads`).
Error bindWeight(seq_model &model, size_t index, const std::string &weightsPath,
                 int threads) {
  const WeightSpec &spec = model.descriptor.weights[index];
  std::optional<DType> element = compiledElement(spec);
  if (!element)
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     "weight '" + spec.name + "': compiled element type " +
                         spec.spec.dtype +
                         " is not supported (f32, bf16, f16 and i8 are)");
  if (spec.stacked)
    return bindStackedWeight(model, index, *element, weightsPath);
  std::vector<int64_t> stored = spec.storedShape();
  const TensorInfo *info = nullptr;
  if (Error e = findWeight(model, spec.name, spec, spec.spec.shape, stored,
                           weightsPath, info))
    return e;
  size_t count = static_cast<size_t>(info->numel());
  size_t size = dtypeSize(*element);
  // The compiled layout's elements: more than stored for a partial panel.
  size_t laidOutCount = static_cast<size_t>(spec.spec.staticBytes()) / size;
  bool asStored = info->data && info->dtype == *element &&
                  reinterpret_cast<uintptr_t>(info->data) % size == 0;
  if (asStored && !spec.transposed && !spec.panels) {
    model.weightData[index] = const_cast<uint8_t *>(info->data);
    return Error::ok();
  }
  std::unique_ptr<WeightBuffer> buffer;
  if (asStored) {
    // Laid out straight from the mapping, whose pages are then released.
    if (Error e = allocateWeight(laidOutCount, size, spec.name, buffer))
      return e;
    layOut(spec, info->data, buffer->data(), size, threads);
    releaseMappedPages(info->data, count * size);
    keepWeight(model, index, std::move(buffer));
    return Error::ok();
  }
  if (Error e = allocateWeight(count, size, spec.name, buffer))
    return e;
  if (Error e = convertWeight(*info, spec.name, *element, buffer->data()))
    return e;
  // The stored copy is no longer read (a second reader of the same tensor
  // faults its pages in from the file again).
  auto [mapped, mappedSize] = storedBytes(*info);
  releaseMappedPages(mapped, mappedSize);
  if (spec.transposed || spec.panels) {
    std::unique_ptr<WeightBuffer> laidOut;
    if (Error e = allocateWeight(laidOutCount, size, spec.name, laidOut))
      return e;
    layOut(spec, buffer->data(), laidOut->data(), size, threads);
    buffer = std::move(laidOut);
  }
  keepWeight(model, index, std::move(buffer));
  return Error::ok();
}

/// Element `i` of a bound weight of element type `element`, as float.
float weightValue(const void *data, DType element, size_t i) {
  if (element == DType::F32)
    return static_cast<const float *>(data)[i];
  uint16_t bits = static_cast<const uint16_t *>(data)[i];
  return element == DType::BF16 ? bf16ToF32(bits) : f16ToF32(bits);
}

/// The first non-finite value of any bound weight, by name, flat index and
/// coordinates (seq_model_options.validate_weights).
Error checkWeightsFinite(const seq_model &model) {
  for (size_t w = 0; w < model.descriptor.weights.size(); ++w) {
    const WeightSpec &spec = model.descriptor.weights[w];
    DType element = compiledElement(spec).value_or(DType::F32);
    if (element == DType::I8 || element == DType::I32)
      continue; // integers, always finite
    const void *data = model.weightData[w];
    size_t count =
        static_cast<size_t>(spec.spec.staticBytes() / dtypeSize(element));
    for (size_t i = 0; i < count; ++i) {
      float value = weightValue(data, element, i);
      if (std::isfinite(value))
        continue;
      // Coordinates in the compiled layout, innermost dim last; a weight in
      // panels is reported in the stored matrix.
      std::vector<int64_t> shape = spec.spec.shape;
      size_t index = i;
      if (spec.panels) {
        size_t p = static_cast<size_t>(shape[2]),
               k = static_cast<size_t>(shape[1]);
        index = (i / (k * p) * p + i % p) * k + i / p % k;
        shape = spec.storedShape();
      }
      std::string where;
      size_t rest = index;
      for (size_t d = shape.size(); d-- > 0;) {
        size_t dim = static_cast<size_t>(shape[d]);
        where =
            std::to_string(rest % dim) + (where.empty() ? "" : ", ") + where;
        rest /= dim;
      }
      std::string name = spec.name;
      if (spec.stacked) {
        // Slice i of a stacked weight is its own checkpoint tensor.
        size_t at = name.find("{}");
        name = name.substr(0, at) + where.substr(0, where.find(',')) +
               name.substr(at + 2);
      }
      return makeError(
          SEQ_ERROR_INVALID_WEIGHTS,
          "weight '" + name + "' holds " +
              (std::isnan(value) ? "NaN"
               : value > 0       ? "+inf"
                                 : "-inf") +
              " at index " + std::to_string(index) + " ([" + where + "] of " +
              TensorSpec{spec.spec.dtype, shape}.str() +
              (spec.transposed ? ", stored transposed" : "") + ")");
    }
  }
  return Error::ok();
}

/// Checks that `entry` has the shape of a language-model step: one integer
/// token input [1|?, S|?], an optional position, states, one float output
/// [1|?, S|?, V] (the logits).
Error checkLmEntry(const Entry &entry, const std::string &origin,
                   size_t &vocab) {
  int inputs = 0, outputs = 0;
  for (const EntryArg &arg : entry.args) {
    if (arg.kind == EntryArg::Kind::Input) {
      ++inputs;
      if ((arg.spec.dtype != "i64" && arg.spec.dtype != "i32") ||
          arg.spec.shape.size() != 2)
        return makeError(SEQ_ERROR_INVALID_MODEL,
                         origin + ": entry '" + entry.name +
                             "' must take tokens as i64 or i32 [batch, seq], "
                             "got " +
                             arg.spec.str());
    } else if (arg.kind == EntryArg::Kind::Output) {
      ++outputs;
      if (arg.spec.dtype != "f32" || arg.spec.shape.size() != 3 ||
          arg.spec.shape[2] < 0)
        return makeError(SEQ_ERROR_INVALID_MODEL,
                         origin + ": entry '" + entry.name +
                             "' must return logits as f32 [batch, seq, vocab] "
                             "with a static vocab, got " +
                             arg.spec.str());
      vocab = static_cast<size_t>(arg.spec.shape[2]);
    }
  }
  if (inputs != 1 || outputs != 1)
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     origin + ": entry '" + entry.name +
                         "' must have exactly one token input and one logits "
                         "output (has " +
                         std::to_string(inputs) + " and " +
                         std::to_string(outputs) + ")");
  return Error::ok();
}

/// The optional `decode_beams` entry: tokens [1, ?] (one per beam),
/// logits [1, ?, vocab]; the parser checked its per-beam states.
Error resolveBeamEntry(seq_model &model, const std::string &origin) {
  const ModelDescriptor &d = model.descriptor;
  auto invalid = [&](const std::string &what) {
    return makeError(SEQ_ERROR_INVALID_MODEL, origin + ": " + what);
  };
  const Entry *beams = d.findEntry("decode_beams");
  if (!beams)
    return Error::ok();
  size_t vocab = 0;
  if (Error e = checkLmEntry(*beams, origin, vocab))
    return e;
  if (vocab != model.vocabSize)
    return invalid("decode and decode_beams disagree on the vocab size");
  // Its states are per row (the parser matched each with its session
  // state); the per-source ones must be what `encode` writes.
  for (const EntryArg &arg : beams->args) {
    if (arg.kind != EntryArg::Kind::State)
      continue;
    if (arg.spec.shape.empty() || arg.spec.shape[0] >= 0)
      return invalid("decode_beams takes state '" + arg.name +
                     "', which is neither per beam nor per source");
    if (arg.name.compare(0, 8, "sources.") != 0)
      continue;
    bool written = false;
    if (model.encode.entry)
      for (const EntryArg &w : model.encode.entry->args)
        written = written || (w.kind == EntryArg::Kind::State &&
                              w.name == arg.name.substr(8));
    if (!written)
      return invalid("decode_beams takes per-source state '" + arg.name +
                     "', which encode does not write");
  }
  return resolveEntry(model, *beams, model.decodeBeams);
}

} // namespace

Error resolveEntry(seq_model &model, const Entry &entry, LmEntry &out) {
  void *symbol = dlsym(model.library, entry.symbol.c_str());
  if (!symbol)
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     model.libraryPath + ": entry point symbol '" +
                         entry.symbol + "' is missing");
  out.entry = &entry;
  out.fn = reinterpret_cast<SeqEntryFn>(symbol);
  return Error::ok();
}

namespace {

int threadCount(const seq_model_options &options, const ModelDescriptor &d) {
  if (options.num_threads > 0)
    return options.num_threads;
  if (const char *env = std::getenv("SEQ_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0)
      return n;
  }
  if (d.numThreadsDefault > 0)
    return static_cast<int>(d.numThreadsDefault);
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}

/// Linux hands a process AMX's tile state only on request; a model whose
/// kernels use the tiles would otherwise die of SIGILL at the first one.
bool grantAmxTiles() {
#if defined(__linux__) && defined(__x86_64__)
  constexpr long kRequestPermission = 0x1023, kTileData = 18;
  return syscall(SYS_arch_prctl, kRequestPermission, kTileData) == 0;
#else
  return false;
#endif
}

} // namespace

Error openModel(const char *libraryPath, const char *weightsPath,
                const seq_model_options &options,
                std::unique_ptr<seq_model> &out) {
  auto model = std::make_unique<seq_model>();
  model->libraryPath = libraryPath;
  // A bare name of a file in the working directory means that file (dlopen
  // would only search the library paths); other bare names are searched.
  std::string path = libraryPath;
  if (path.find('/') == std::string::npos && access(path.c_str(), F_OK) == 0)
    path = "./" + path;
  // RTLD_LOCAL: two models may export the same entry symbols.
  model->library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->library) {
    const char *why = dlerror();
    return makeError(SEQ_ERROR_IO, std::string("cannot load model '") +
                                       libraryPath +
                                       "': " + (why ? why : "unknown error"));
  }
  auto *text =
      static_cast<const char *>(dlsym(model->library, "seq_model_descriptor"));
  if (!text)
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     std::string(libraryPath) +
                         " is not a seqc model (no seq_model_descriptor)");
  if (Error e = parseDescriptor(text, libraryPath, model->descriptor))
    return e;
  if (dlsym(model->library, "seq_uses_amx") && !grantAmxTiles())
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     std::string(libraryPath) +
                         " runs on AMX tiles, which this system does not "
                         "grant (arch_prctl ARCH_REQ_XCOMP_PERM); recompile "
                         "it here");

  model->weightData.assign(model->descriptor.weights.size(), nullptr);
  if (!model->descriptor.weights.empty()) {
    if (!weightsPath)
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       std::string(libraryPath) + " needs " +
                           std::to_string(model->descriptor.weights.size()) +
                           " weights but no weights path was given");
    std::string message;
    WeightError kind = WeightError::Invalid;
    model->store = WeightStore::open(weightsPath, message, &kind);
    if (!model->store)
      return makeError(kind == WeightError::IO ? SEQ_ERROR_IO
                                               : SEQ_ERROR_INVALID_WEIGHTS,
                       message);
    model->converted.reserve(model->descriptor.weights.size());
    int threads = threadCount(options, model->descriptor);
    for (size_t i = 0; i < model->descriptor.weights.size(); ++i)
      if (Error e = bindWeight(*model, i, weightsPath, threads))
        return e;
    if (options.validate_weights)
      if (Error e = checkWeightsFinite(*model))
        return e;
  }

  // The language-model calls need a `prefill` entry; models without one
  // (encoders, single ops) are run with seq_model_run.
  if (const Entry *prefill = model->descriptor.findEntry("prefill")) {
    const Entry *decode = model->descriptor.findEntry("decode");
    if (Error e = checkLmEntry(*prefill, libraryPath, model->vocabSize))
      return e;
    if (decode) {
      size_t decodeVocab = 0;
      if (Error e = checkLmEntry(*decode, libraryPath, decodeVocab))
        return e;
      if (decodeVocab != model->vocabSize)
        return makeError(SEQ_ERROR_INVALID_MODEL,
                         std::string(libraryPath) +
                             ": prefill and decode disagree on the vocab size");
    }
    if (Error e = resolveEntry(*model, *prefill, model->prefill))
      return e;
    // Optional: prefill returning the last position's logits only.
    if (const Entry *last = model->descriptor.findEntry("prefill_last")) {
      size_t lastVocab = 0;
      if (Error e = checkLmEntry(*last, libraryPath, lastVocab))
        return e;
      if (lastVocab != model->vocabSize)
        return makeError(SEQ_ERROR_INVALID_MODEL,
                         std::string(libraryPath) +
                             ": prefill and prefill_last disagree on the "
                             "vocab size");
      if (Error e = resolveEntry(*model, *last, model->prefillLast))
        return e;
    }
    if (Error e =
            resolveEntry(*model, decode ? *decode : *prefill, model->decode))
      return e;
    // Encoder-decoder models: `encode` takes the source ids and writes
    // states only.
    if (const Entry *encode = model->descriptor.findEntry("encode")) {
      size_t inputs = 0;
      for (const EntryArg &arg : encode->args) {
        // Token ids [1, n], or features [1, mels, frames] f32 (Whisper).
        bool ids = arg.spec.shape.size() == 2 && arg.spec.shape[0] == 1 &&
                   (arg.spec.dtype == "i64" || arg.spec.dtype == "i32");
        bool features = arg.spec.shape.size() == 3 && arg.spec.shape[0] == 1 &&
                        arg.spec.shape[1] > 0 && arg.spec.shape[2] > 0 &&
                        arg.spec.dtype == "f32";
        if (arg.kind == EntryArg::Kind::Output ||
            arg.kind == EntryArg::Kind::Index ||
            (arg.kind == EntryArg::Kind::Input &&
             (inputs++ > 0 || (!ids && !features))))
          return makeError(SEQ_ERROR_INVALID_MODEL,
                           std::string(libraryPath) +
                               ": entry 'encode' must take one [1, n] i64 or "
                               "i32 input (or [1, mels, frames] f32 "
                               "features) and states, and return states");
        if (arg.kind == EntryArg::Kind::Input && features) {
          model->featureMels = static_cast<size_t>(arg.spec.shape[1]);
          model->featureFrames = static_cast<size_t>(arg.spec.shape[2]);
        }
      }
      if (inputs != 1 || model->descriptor.maxSourcePositions <= 0)
        return makeError(SEQ_ERROR_INVALID_MODEL,
                         std::string(libraryPath) +
                             ": entry 'encode' needs one token input and "
                             "max_source_positions");
      if (Error e = resolveEntry(*model, *encode, model->encode))
        return e;
    }
    if (Error e = resolveBeamEntry(*model, libraryPath))
      return e;
  }
  if (isCudaTarget(model->descriptor.target))
    if (Error e = attachCudaDevice(*model, options.cuda_device))
      return e;
  model->numThreads = threadCount(options, model->descriptor);
  // Found through the model's own dependencies (RTLD_LOCAL keeps it there).
  model->setThreads = reinterpret_cast<void (*)(int)>(
      dlsym(model->library, "omp_set_num_threads"));
  out = std::move(model);
  return Error::ok();
}

} // namespace seqrt

seq_model::~seq_model() {
  // Device weights are freed by the library's launch support.
  if (cuda.release) {
    for (void *p : deviceWeights)
      cuda.release(p);
    staging.releaseAll(cuda);
  }
  // Weights may point into mappings the store owns; code into the library.
  store.reset();
  if (library)
    dlclose(library);
}
