//===- SeqBuildersTest.cpp - seq builders and programmatic verification ---===//
//
// Frontends build seq IR through C++: these tests pin down that builders
// infer the documented result types and that the verifier rejects what the
// dialect reference says it rejects, with the documented message.
//
//===----------------------------------------------------------------------===//

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace seqc::seq;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// A function body to build ops into, with typed block arguments as inputs.
class SeqBuilderTest : public ::testing::Test {
protected:
  SeqBuilderTest() : builder(&context) {
    context.loadDialect<SeqDialect, func::FuncDialect>();
    module = ModuleOp::create(UnknownLoc::get(&context));
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// Starts a function whose arguments have the given types.
  Block *startFunction(ArrayRef<Type> argTypes) {
    auto fn = func::FuncOp::create(builder, loc(), "f",
                                   builder.getFunctionType(argTypes, {}));
    Block *body = fn.addEntryBlock();
    builder.setInsertionPointToStart(body);
    return body;
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  Location loc() { return builder.getUnknownLoc(); }

  /// Runs the verifier; returns the first error message (empty if valid).
  std::string verifyMessage() {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    if (succeeded(verify(*module)))
      return "";
    return message.empty() ? "<verification failed without a message>"
                           : message;
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(SeqBuilderTest, LinearInfersOutFeaturesAndKeepsDynamicDims) {
  Block *body = startFunction({tensor({2, kDyn, 64}), tensor({128, 64})});
  auto op = LinearOp::create(builder, loc(), body->getArgument(0),
                             body->getArgument(1), Value(), Value(), Value());
  EXPECT_EQ(op.getType(), tensor({2, kDyn, 128}));
  func::ReturnOp::create(builder, loc());
  EXPECT_EQ(verifyMessage(), "");
}

TEST_F(SeqBuilderTest, EmbeddingAppendsHiddenDimToIdsShape) {
  Block *body =
      startFunction({tensor({256, 32}),
                     RankedTensorType::get({1, kDyn}, builder.getI64Type())});
  auto op = EmbeddingOp::create(builder, loc(), body->getArgument(0),
                                body->getArgument(1), /*scales=*/Value(),
                                /*offsets=*/Value());
  EXPECT_EQ(op.getType(), tensor({1, kDyn, 32}));
}

TEST_F(SeqBuilderTest, AttentionInfersQueryHeadsAndValueHeadDim) {
  // GQA with a value head dim different from the key head dim.
  Block *body = startFunction({tensor({1, kDyn, 8, 32}), tensor({1, 40, 2, 32}),
                               tensor({1, 40, 2, 48})});
  auto op = AttentionOp::create(builder, loc(), body->getArgument(0),
                                body->getArgument(1), body->getArgument(2),
                                /*bias=*/Value(), /*kv_length=*/Value(),
                                /*key_scales=*/Value(), Value(),
                                /*scale=*/nullptr, /*causal=*/nullptr,
                                /*sliding_window=*/nullptr,
                                /*dilation_rate=*/nullptr,
                                /*dilation_segment=*/nullptr,
                                /*global_tokens=*/nullptr,
                                /*block_size=*/nullptr,
                                /*block_layout=*/nullptr, /*ring=*/nullptr);
  EXPECT_EQ(op.getType(), tensor({1, kDyn, 8, 48}));
  // The default scale is 1/sqrt(head dim).
  EXPECT_DOUBLE_EQ(op.getEffectiveScale(), 1.0 / std::sqrt(32.0));
  func::ReturnOp::create(builder, loc());
  EXPECT_EQ(verifyMessage(), "");
}

TEST_F(SeqBuilderTest, SelectiveScanInfersStateFromChannelsAndA) {
  Block *body = startFunction(
      {tensor({3, kDyn, 24}), tensor({24, 8}), tensor({3, kDyn, 8})});
  Value u = body->getArgument(0), a = body->getArgument(1),
        bc = body->getArgument(2);
  auto op = SelectiveScanOp::create(builder, loc(), u, u, a, bc, bc,
                                    /*D=*/Value(), /*z=*/Value(),
                                    /*delta_bias=*/Value(),
                                    /*initial_state=*/Value(),
                                    /*delta_softplus=*/nullptr);
  EXPECT_EQ(op.getOutput().getType(), tensor({3, kDyn, 24}));
  EXPECT_EQ(op.getFinalState().getType(), tensor({3, 24, 8}));
}

TEST_F(SeqBuilderTest, SSDInfersHeadStateFromXAndB) {
  Block *body = startFunction({tensor({1, kDyn, 6, 16}), tensor({1, kDyn, 6}),
                               tensor({6}), tensor({1, kDyn, 2, 32})});
  auto op = SSDOp::create(builder, loc(), body->getArgument(0),
                          body->getArgument(1), body->getArgument(2),
                          body->getArgument(3), body->getArgument(3), Value(),
                          Value(), Value(), Value(), nullptr, nullptr, nullptr);
  EXPECT_EQ(op.getFinalState().getType(), tensor({1, 6, 16, 32}));
}

TEST_F(SeqBuilderTest, LinearAttentionStateIsKeyByValue) {
  Block *body =
      startFunction({tensor({2, kDyn, 4, 16}), tensor({2, kDyn, 4, 24})});
  Value q = body->getArgument(0), v = body->getArgument(1);
  auto op = LinearAttentionOp::create(builder, loc(), q, q, v, Value(), Value(),
                                      builder.getF32FloatAttr(1.0f), nullptr);
  EXPECT_EQ(op.getOutput().getType(), tensor({2, kDyn, 4, 24}));
  EXPECT_EQ(op.getFinalState().getType(), tensor({2, 4, 16, 24}));
}

TEST_F(SeqBuilderTest, CausalConvKeepsTapsMinusOneInputs) {
  Block *body = startFunction({tensor({1, kDyn, 96}), tensor({96, 4})});
  auto op =
      CausalConv1dOp::create(builder, loc(), body->getArgument(0),
                             body->getArgument(1), Value(), Value(), nullptr);
  EXPECT_EQ(op.getFinalState().getType(), tensor({1, 96, 3}));
}

TEST_F(SeqBuilderTest, VerifierNamesMismatchedDims) {
  // A GQA layout whose query heads are not a multiple of the KV heads.
  Block *body = startFunction({tensor({1, 8, 6, 16}), tensor({1, 8, 4, 16})});
  Value q = body->getArgument(0), kv = body->getArgument(1);
  AttentionOp::create(builder, loc(), q, kv, kv, Value(), Value(), Value(),
                      Value(), nullptr, builder.getUnitAttr(), nullptr, nullptr,
                      nullptr, nullptr, nullptr, nullptr, /*ring=*/nullptr);
  func::ReturnOp::create(builder, loc());
  EXPECT_EQ(verifyMessage(), "'seq.attention' op expected query heads (6) to "
                             "be a multiple of key/value heads (4)");
}

TEST_F(SeqBuilderTest, VerifierRejectsEmptyWeightName) {
  startFunction({});
  WeightOp::create(builder, loc(), tensor({4}), "");
  func::ReturnOp::create(builder, loc());
  EXPECT_EQ(verifyMessage(),
            "'seq.weight' op expected a non-empty weight name");
}

} // namespace
