//===- ExportEntryPoints.cpp - the model ABI of public functions ----------===//
//
// After inlining, each public function is an entry point of the model. This
// pass gives it the runtime's calling convention (docs/abi.md): a C-callable
// `seq_entry_<name>(buffers, ints, weights)` that builds memrefs from raw
// pointers and sizes and calls the destination-passing `seq_impl_<name>`,
// plus a JSON descriptor the runtime reads to know what to pass.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include "ModelDescriptor.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace seqc {
#define GEN_PASS_DEF_EXPORTENTRYPOINTS
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

/// What the runtime passes for one argument of `seq_impl_<name>`.
struct AbiArg {
  enum class Kind { Input, Index, State, Output, Weight };
  Kind kind;
  std::string name;         // state name, for states
  MemRefType type;          // null for Index
  int64_t weightIndex = -1; // into the model's weight table, for weights
};

struct WeightInfo {
  std::string name;
  RankedTensorType type;
  bool transposed;
  bool stacked;
  bool panels;
  int64_t rows; ///< a partial last panel's stored rows; 0: none
};

/// The ABI's name of an element type ("f32", "i64").
static std::string dtypeName(Type type) {
  std::string name;
  llvm::raw_string_ostream os(name);
  type.print(os);
  return name;
}

/// The descriptor's kind of a non-weight argument.
static seqrt::EntryArg::Kind abiKind(AbiArg::Kind kind) {
  switch (kind) {
  case AbiArg::Kind::Input:
    return seqrt::EntryArg::Kind::Input;
  case AbiArg::Kind::Index:
    return seqrt::EntryArg::Kind::Index;
  case AbiArg::Kind::State:
    return seqrt::EntryArg::Kind::State;
  case AbiArg::Kind::Output:
  case AbiArg::Kind::Weight:
    break;
  }
  return seqrt::EntryArg::Kind::Output;
}

static MemRefType memrefFor(RankedTensorType type) {
  return MemRefType::get(type.getShape(), type.getElementType());
}

struct ExportEntryPointsPass
    : seqc::impl::ExportEntryPointsBase<ExportEntryPointsPass> {
  void runOnOperation() override;

private:
  LogicalResult rewriteEntry(func::FuncOp fn, SmallVectorImpl<AbiArg> &abi);
  void buildWrapper(OpBuilder &b, func::FuncOp impl, StringRef name,
                    ArrayRef<AbiArg> abi);
  int64_t weightIndex(seqc::seq::WeightOp op);

  std::vector<WeightInfo> weights;
  llvm::StringMap<int64_t> weightIndices;
  bool weightTypeMismatch = false;
};

int64_t ExportEntryPointsPass::weightIndex(seqc::seq::WeightOp op) {
  auto it = weightIndices.find(op.getName());
  auto type = cast<RankedTensorType>(op.getType());
  if (it != weightIndices.end()) {
    const WeightInfo &other = weights[it->second];
    auto layout = [](bool transposed, bool stacked, bool panels) {
      return transposed ? " (transposed)"
             : stacked  ? " (stacked)"
             : panels   ? " (panels)"
                        : "";
    };
    if (other.type != type || other.transposed != op.getTransposed() ||
        other.stacked != op.getStacked() || other.panels != op.getPanels() ||
        other.rows != static_cast<int64_t>(op.getRows().value_or(0))) {
      op.emitOpError("weight '")
          << op.getName() << "' is used with type " << type
          << layout(op.getTransposed(), op.getStacked(), op.getPanels())
          << " but elsewhere with " << other.type
          << layout(other.transposed, other.stacked, other.panels);
      weightTypeMismatch = true;
    }
    return it->second;
  }
  weights.push_back({op.getName().str(), type, op.getTransposed(),
                     op.getStacked(), op.getPanels(),
                     static_cast<int64_t>(op.getRows().value_or(0))});
  weightIndices[op.getName()] = weights.size() - 1;
  return weights.size() - 1;
}

LogicalResult
ExportEntryPointsPass::rewriteEntry(func::FuncOp fn,
                                    SmallVectorImpl<AbiArg> &abi) {
  MLIRContext *ctx = &getContext();
  Location loc = fn.getLoc();
  Block &entry = fn.getBody().front();
  auto returnOp = cast<func::ReturnOp>(entry.getTerminator());
  if (!fn.getBody().hasOneBlock())
    return fn.emitOpError("entry point must have a single block");

  // Arguments: tensors become memrefs read through to_tensor; states are
  // read and written in place.
  OpBuilder b(ctx);
  b.setInsertionPointToStart(&entry);
  llvm::StringMap<unsigned> stateArgs; // state name -> arg number
  for (BlockArgument arg : entry.getArguments()) {
    auto stateName = fn.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(),
        seqc::seq::SeqDialect::StateAttrHelper::getNameStr());
    if (isa<IndexType>(arg.getType())) {
      abi.push_back({AbiArg::Kind::Index, "", MemRefType(), -1});
      continue;
    }
    auto tensorType = dyn_cast<RankedTensorType>(arg.getType());
    if (!tensorType)
      return fn.emitOpError("entry point argument #")
             << arg.getArgNumber() << " must be a ranked tensor or index, got "
             << arg.getType();
    MemRefType memrefType = memrefFor(tensorType);
    arg.setType(memrefType);
    auto toTensor = bufferization::ToTensorOp::create(
        b, loc, tensorType, arg, /*restrict=*/true,
        /*writable=*/static_cast<bool>(stateName));
    arg.replaceAllUsesExcept(toTensor, toTensor);
    if (stateName) {
      if (!stateArgs.try_emplace(stateName.getValue(), arg.getArgNumber())
               .second)
        return fn.emitOpError("two arguments carry seq.state = ") << stateName;
      abi.push_back({AbiArg::Kind::State, stateName.str(), memrefType, -1});
    } else {
      abi.push_back({AbiArg::Kind::Input, "", memrefType, -1});
    }
  }

  // Results: each goes into its state argument or a new output argument.
  b.setInsertionPoint(returnOp);
  llvm::StringSet<> statesWritten;
  for (auto [i, value] : llvm::enumerate(returnOp.getOperands())) {
    auto tensorType = dyn_cast<RankedTensorType>(value.getType());
    if (!tensorType)
      return fn.emitOpError("entry point result #")
             << i << " must be a ranked tensor, got " << value.getType();
    Value dest;
    if (auto stateName = fn.getResultAttrOfType<StringAttr>(
            i, seqc::seq::SeqDialect::StateAttrHelper::getNameStr())) {
      auto it = stateArgs.find(stateName.getValue());
      if (it == stateArgs.end())
        return fn.emitOpError("result #")
               << i << " has seq.state = " << stateName
               << " but no argument carries that state";
      dest = entry.getArgument(it->second);
      if (cast<MemRefType>(dest.getType()) != memrefFor(tensorType))
        return fn.emitOpError("state ") << stateName << " has argument type "
                                        << fn.getArgumentTypes()[it->second]
                                        << " but result type " << tensorType;
      statesWritten.insert(stateName.getValue());
    } else {
      MemRefType memrefType = memrefFor(tensorType);
      dest = entry.addArgument(memrefType, loc);
      abi.push_back({AbiArg::Kind::Output, "", memrefType, -1});
    }
    auto store =
        bufferization::MaterializeInDestinationOp::create(b, loc, value, dest);
    store.setRestrict(true);
    store.setWritable(true);
  }
  for (auto &state : stateArgs)
    if (!statesWritten.contains(state.getKey()))
      return fn.emitOpError("state '")
             << state.getKey() << "' is an argument but no result returns it";

  // Weights become read-only memref arguments, one per distinct name.
  llvm::StringMap<Value> weightArgs;
  SmallVector<seqc::seq::WeightOp> weightOps;
  fn.walk([&](seqc::seq::WeightOp op) { weightOps.push_back(op); });
  // Register every use first: a name used with two types is an error.
  for (seqc::seq::WeightOp op : weightOps)
    weightIndex(op);
  if (weightTypeMismatch)
    return failure();
  for (seqc::seq::WeightOp op : weightOps) {
    Value &arg = weightArgs[op.getName()];
    auto tensorType = cast<RankedTensorType>(op.getType());
    if (!arg) {
      arg = entry.addArgument(memrefFor(tensorType), op.getLoc());
      abi.push_back({AbiArg::Kind::Weight, op.getName().str(),
                     memrefFor(tensorType), weightIndex(op)});
    }
    b.setInsertionPoint(op);
    Value tensor = bufferization::ToTensorOp::create(b, op.getLoc(), tensorType,
                                                     arg, /*restrict=*/true,
                                                     /*writable=*/false);
    op.replaceAllUsesWith(tensor);
    op.erase();
  }

  b.setInsertionPoint(returnOp);
  func::ReturnOp::create(b, loc);
  returnOp.erase();
  fn.setType(FunctionType::get(ctx, entry.getArgumentTypes(), {}));
  // Argument attributes described the old signature.
  fn.removeArgAttrsAttr();
  fn.removeResAttrsAttr();
  return success();
}

void ExportEntryPointsPass::buildWrapper(OpBuilder &b, func::FuncOp impl,
                                         StringRef name, ArrayRef<AbiArg> abi) {
  MLIRContext *ctx = &getContext();
  Location loc = impl.getLoc();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  auto wrapper = func::FuncOp::create(
      b, loc, ("seq_entry_" + name).str(),
      FunctionType::get(ctx, {ptrType, ptrType, ptrType}, {}));
  Block *body = wrapper.addEntryBlock();
  OpBuilder wb = OpBuilder::atBlockBegin(body);
  Value buffers = body->getArgument(0), ints = body->getArgument(1),
        weightTable = body->getArgument(2);

  auto loadAt = [&](Value base, Type elementType, Type resultType,
                    int64_t index) -> Value {
    Value addr = LLVM::GEPOp::create(wb, loc, ptrType, elementType, base,
                                     ArrayRef<LLVM::GEPArg>{index});
    return LLVM::LoadOp::create(wb, loc, resultType, addr);
  };
  auto constant = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(wb, loc, i64, wb.getI64IntegerAttr(v));
  };

  int64_t bufferSlot = 0, intSlot = 0;
  SmallVector<Value> callArgs;
  for (const AbiArg &arg : abi) {
    if (arg.kind == AbiArg::Kind::Index) {
      Value v = loadAt(ints, i64, i64, intSlot++);
      callArgs.push_back(
          arith::IndexCastOp::create(wb, loc, wb.getIndexType(), v));
      continue;
    }
    Value data = arg.kind == AbiArg::Kind::Weight
                     ? loadAt(weightTable, ptrType, ptrType, arg.weightIndex)
                     : loadAt(buffers, ptrType, ptrType, bufferSlot++);
    // A contiguous row-major memref descriptor over `data`.
    MemRefType type = arg.type;
    int64_t rank = type.getRank();
    SmallVector<Value> sizes;
    for (int64_t d : type.getShape())
      sizes.push_back(ShapedType::isDynamic(d) &&
                              arg.kind != AbiArg::Kind::Weight
                          ? loadAt(ints, i64, i64, intSlot++)
                          : constant(d));
    SmallVector<Type> fields = {ptrType, ptrType, i64};
    if (rank > 0) {
      fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
      fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    }
    auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
    Value desc = LLVM::PoisonOp::create(wb, loc, descType);
    desc =
        LLVM::InsertValueOp::create(wb, loc, desc, data, ArrayRef<int64_t>{0});
    desc =
        LLVM::InsertValueOp::create(wb, loc, desc, data, ArrayRef<int64_t>{1});
    desc = LLVM::InsertValueOp::create(wb, loc, desc, constant(0),
                                       ArrayRef<int64_t>{2});
    Value stride = constant(1);
    for (int64_t d = rank - 1; d >= 0; --d) {
      desc = LLVM::InsertValueOp::create(wb, loc, desc, sizes[d],
                                         ArrayRef<int64_t>{3, d});
      desc = LLVM::InsertValueOp::create(wb, loc, desc, stride,
                                         ArrayRef<int64_t>{4, d});
      stride = LLVM::MulOp::create(wb, loc, stride, sizes[d]);
    }
    callArgs.push_back(
        UnrealizedConversionCastOp::create(wb, loc, type, desc).getResult(0));
  }
  func::CallOp::create(wb, loc, impl, callArgs);
  func::ReturnOp::create(wb, loc);
}

/// A session may hold at most as many positions as its smallest KV cache
/// (a causal seq.attention with kv_length over a cache that is not a ring;
/// cross-attention caches hold the source, decode_beams' caches are the
/// beam search's); ring
/// caches need window + tokens per call - 1 slots. Sets seq.max_positions to
/// that capacity when the module does not say, and rejects a larger one:
/// the runtime trusts it to keep every write inside the caches.
static LogicalResult checkSessionCapacity(ModuleOp module) {
  std::optional<int64_t> capacity;
  Operation *smallest = nullptr;
  auto tokensAttr = module->getAttrOfType<IntegerAttr>(
      seqc::seq::SeqDialect::MaxTokensPerCallAttrHelper::getNameStr());
  WalkResult walk = module.walk([&](seqc::seq::AttentionOp op) {
    // A non-causal attention over a cache is an encoder-decoder's
    // cross-attention: the source fills its cache, not the session.
    if (!op.getKvLength() || !op.getCausal())
      return WalkResult::advance();
    int64_t slots = op.getKey().getType().getDimSize(1);
    // decode_beams' per-beam caches (rows and positions dynamic): the beam
    // search sizes them to the positions it reaches.
    if (ShapedType::isDynamic(slots) && op.getKey().getType().isDynamicDim(0))
      return WalkResult::advance();
    if (ShapedType::isDynamic(slots)) {
      op.emitOpError("reads a KV cache (kv_length) of dynamic capacity; "
                     "state must have a static shape");
      return WalkResult::interrupt();
    }
    if (op.getRing()) {
      // Each call writes its tokens into the ring before attending: a window
      // plus this call's tokens must fit (static query length, or the
      // runtime's cut of calls to seq.max_tokens_per_call).
      int64_t window = op.getSlidingWindow().value_or(0);
      int64_t tokens = op.getQuery().getType().getDimSize(1);
      if (ShapedType::isDynamic(tokens))
        tokens = tokensAttr ? tokensAttr.getInt() : ShapedType::kDynamic;
      if (window <= 0 || ShapedType::isDynamic(tokens) ||
          window + tokens - 1 > slots) {
        op.emitOpError("ring cache of ")
            << slots << " slots needs a sliding_window w and at most s "
            << "tokens per call (static queries or seq.max_tokens_per_call) "
            << "with w + s - 1 <= slots";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    }
    if (!capacity || slots < *capacity) {
      capacity = slots;
      smallest = op;
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (!capacity)
    return success();
  auto declared = module->getAttrOfType<IntegerAttr>(
      seqc::seq::SeqDialect::MaxPositionsAttrHelper::getNameStr());
  if (!declared) {
    module->setAttr(
        seqc::seq::SeqDialect::MaxPositionsAttrHelper::getNameStr(),
        IntegerAttr::get(IntegerType::get(module.getContext(), 64), *capacity));
    return success();
  }
  if (declared.getInt() > *capacity)
    return smallest->emitOpError("reads a KV cache of ")
           << *capacity << " positions, fewer than the module's "
           << "seq.max_positions = " << declared.getInt();
  return success();
}

void ExportEntryPointsPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *ctx = &getContext();
  SmallVector<func::FuncOp> entries;
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn.isPublic() && !fn.isExternal())
      entries.push_back(fn);
  if (entries.empty()) {
    module.emitError("no entry point: the module has no public function");
    return signalPassFailure();
  }
  // Weights must sit in entry points: callees are inlined before this pass.
  WalkResult stray = module.walk([&](seqc::seq::WeightOp op) {
    auto fn = op->getParentOfType<func::FuncOp>();
    if (fn && fn.isPublic())
      return WalkResult::advance();
    op.emitOpError("is outside an entry point; inline its function first");
    return WalkResult::interrupt();
  });
  if (stray.wasInterrupted() || failed(checkSessionCapacity(module)))
    return signalPassFailure();

  seqrt::ModelDescriptor descriptor;
  descriptor.abi = 1;
  if (auto maxPositions = module->getAttrOfType<IntegerAttr>(
          seqc::seq::SeqDialect::MaxPositionsAttrHelper::getNameStr()))
    descriptor.maxPositions = maxPositions.getInt();
  // Ring caches hold window + this - 1 slots: the runtime cuts calls to it.
  if (auto tokens = module->getAttrOfType<IntegerAttr>(
          seqc::seq::SeqDialect::MaxTokensPerCallAttrHelper::getNameStr()))
    descriptor.maxTokensPerCall = tokens.getInt();
  // An encoder-decoder's source capacity (its `encode` entry).
  if (auto source = module->getAttrOfType<IntegerAttr>(
          seqc::seq::SeqDialect::MaxSourcePositionsAttrHelper::getNameStr()))
    descriptor.maxSourcePositions = source.getInt();
  if (auto vocab = module->getAttrOfType<IntegerAttr>(
          seqc::seq::SeqDialect::SourceVocabSizeAttrHelper::getNameStr()))
    descriptor.sourceVocabSize = vocab.getInt();
  // Set by `seqc --num-threads-default`.
  if (auto threads = module->getAttrOfType<IntegerAttr>(
          seqc::seq::SeqDialect::NumThreadsDefaultAttrHelper::getNameStr()))
    descriptor.numThreadsDefault = threads.getInt();
  // The device the code runs on ("cuda:sm_90"); absent: the CPU.
  if (auto target = module->getAttrOfType<StringAttr>(
          seqc::seq::SeqDialect::TargetAttrHelper::getNameStr()))
    descriptor.target = target.getValue().str();
  auto spec = [](ShapedType type) {
    seqrt::TensorSpec spec;
    spec.dtype = dtypeName(type.getElementType());
    for (int64_t d : type.getShape())
      spec.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    return spec;
  };
  OpBuilder b(ctx);
  for (func::FuncOp fn : entries) {
    std::string name = fn.getSymName().str();
    SmallVector<AbiArg> abi;
    if (failed(rewriteEntry(fn, abi)) || weightTypeMismatch)
      return signalPassFailure();
    fn.setSymName(("seq_impl_" + name));
    fn.setPrivate();
    // Internal in the object too: only seq_entry_* and the descriptor are
    // the model's interface.
    fn->setAttr("llvm.linkage",
                LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
    b.setInsertionPointAfter(fn);
    buildWrapper(b, fn, name, abi);

    seqrt::Entry entry;
    entry.name = name;
    entry.symbol = "seq_entry_" + name;
    for (const AbiArg &arg : abi) {
      if (arg.kind == AbiArg::Kind::Weight) {
        entry.weights.push_back(arg.weightIndex);
        continue;
      }
      seqrt::EntryArg out;
      out.kind = abiKind(arg.kind);
      if (arg.kind == AbiArg::Kind::State)
        out.name = arg.name;
      if (arg.type)
        out.spec = spec(arg.type);
      entry.args.push_back(std::move(out));
    }
    descriptor.entries.push_back(std::move(entry));
  }
  for (const WeightInfo &w : weights) {
    seqrt::WeightSpec weight;
    weight.name = w.name;
    weight.spec = spec(w.type);
    weight.transposed = w.transposed;
    weight.stacked = w.stacked;
    weight.panels = w.panels;
    weight.rows = w.rows;
    descriptor.weights.push_back(std::move(weight));
  }
  std::string json = seqrt::writeDescriptor(descriptor);

  // The runtime's own validation: a model it would refuse to load is a
  // compile error, not a file that fails later.
  seqrt::ModelDescriptor parsed;
  if (seqrt::Error e =
          seqrt::parseDescriptor(json.c_str(), "the model", parsed)) {
    module.emitError("the runtime would refuse this model: ") << e.message;
    return signalPassFailure();
  }

  // The descriptor, NUL-terminated, exported for dlsym.
  b.setInsertionPointToEnd(module.getBody());
  json.push_back('\0');
  auto arrayType =
      LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), json.size());
  LLVM::GlobalOp::create(b, module.getLoc(), arrayType, /*isConstant=*/true,
                         LLVM::Linkage::External, "seq_model_descriptor",
                         b.getStringAttr(json));
}

} // namespace
