//===- FuseAttentionTest.cpp - fused vs unfused attention graphs ----------===//
//
// An eager-style attention graph in linalg (Q·Kᵀ, scale, a constant causal
// mask or an index-only select mask, max/exp/sum/divide softmax, ·V on
// [B, H, S, D], odd S) is compiled
// twice: as written (--fuse-attention=false: plain linalg loops, the
// reference) and fused into seq.attention (the default). Both run on the
// same random inputs through the runtime and must agree.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int kHeads = 2, kSeq = 37, kDim = 16;

std::string shape(int s1, int s2) {
  std::ostringstream os;
  os << "tensor<1x" << kHeads << "x" << s1 << "x" << s2 << "xf32>";
  return os.str();
}

/// Masks the unfused graph can apply to the scaled scores %scaled: an
/// additive [S, S] causal constant, or documents of 3 positions selected
/// from loop indices (fused as a mask_mod region).
enum class MaskForm { CausalConstant, DocumentSelect };

const char *kDocumentSelect = R"(
  %masked = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%scaled : S) outs(%e : S) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %three = arith.constant 3 : index
    %di = arith.divui %i, %three : index
    %dj = arith.divui %j, %three : index
    %same = arith.cmpi eq, %di, %dj : index
    %y = arith.select %same, %x, %ninf : f32
    linalg.yield %y : f32
  } -> S
)";

const char *kCausalConstant = R"(
  %masked = linalg.generic {indexing_maps = [#id, #ij, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%scaled, %mask : S, M) outs(%e : S) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> S
)";

/// The unfused graph.
std::string eagerAttention(MaskForm form) {
  std::ostringstream mask;
  mask << "dense<[";
  for (int i = 0; i < kSeq; ++i) {
    mask << (i ? ", [" : "[");
    for (int j = 0; j < kSeq; ++j)
      mask << (j ? ", " : "") << (j <= i ? "0.0" : "0xFF800000");
    mask << "]";
  }
  mask << "]> : tensor<" << kSeq << "x" << kSeq << "xf32>";
  std::string x = shape(kSeq, kDim), s = shape(kSeq, kSeq);
  std::string row = "tensor<1x" + std::to_string(kHeads) + "x" +
                    std::to_string(kSeq) + "xf32>";
  std::ostringstream os;
  os << R"(#q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#s = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#ij = affine_map<(b, h, i, j) -> (i, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pp = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#po = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
func.func @run(%q: X, %k: X, %v: X) -> X {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c = arith.constant 0.25 : f32
  %mask = arith.constant MASK
  %e = tensor.empty() : S
  %s0 = linalg.fill ins(%zero : f32) outs(%e : S) -> S
  %s = linalg.generic {indexing_maps = [#q, #k, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : X, X) outs(%s0 : S) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> S
  %scaled = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : S) outs(%e : S) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> S
MASKING
  %er = tensor.empty() : R
  %m0 = linalg.fill ins(%ninf : f32) outs(%er : R) -> R
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%masked : S) outs(%m0 : R) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.maximumf %x, %acc : f32
    linalg.yield %y : f32
  } -> R
  %ex = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%masked, %max : S, R) outs(%e : S) {
  ^bb0(%x: f32, %mx: f32, %o: f32):
    %d = arith.subf %x, %mx : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> S
  %z0 = linalg.fill ins(%zero : f32) outs(%er : R) -> R
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : S) outs(%z0 : R) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  } -> R
  %p = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %sum : S, R) outs(%e : S) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %y = arith.divf %x, %t : f32
    linalg.yield %y : f32
  } -> S
  %eo = tensor.empty() : X
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : X) -> X
  %out = linalg.generic {indexing_maps = [#pp, #pv, #po], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : S, X) outs(%o0 : X) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> X
  return %out : X
}
)";
  std::string text = os.str();
  auto replaceAll = [&](const std::string &from, const std::string &to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  replaceAll("MASKING", form == MaskForm::CausalConstant ? kCausalConstant
                                                         : kDocumentSelect);
  replaceAll("MASK", mask.str());
  replaceAll(" X", " " + x);
  replaceAll(" S", " " + s);
  replaceAll(" R", " " + row);
  replaceAll(" M)", " tensor<" + std::to_string(kSeq) + "x" +
                        std::to_string(kSeq) + "xf32>)");
  return text;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<float> run(const std::string &so, const std::vector<float> &q,
                       const std::vector<float> &k,
                       const std::vector<float> &v) {
  seq_model *model = nullptr;
  EXPECT_EQ(seq_model_open(so.c_str(), nullptr, nullptr, &model), SEQ_OK)
      << seq_last_error();
  std::vector<float> out(q.size());
  seq_tensor ins[3], result;
  const std::vector<float> *data[3] = {&q, &k, &v};
  for (int i = 0; i < 3; ++i)
    ins[i] = {const_cast<float *>(data[i]->data()),
              SEQ_DTYPE_F32,
              4,
              {1, kHeads, kSeq, kDim}};
  result = {out.data(), SEQ_DTYPE_F32, 4, {1, kHeads, kSeq, kDim}};
  EXPECT_EQ(seq_model_run(model, "run", ins, 3, &result, 1), SEQ_OK)
      << seq_last_error();
  seq_model_close(model);
  return out;
}

void checkFusedMatchesUnfused(MaskForm form, const std::string &name,
                              const std::string &expectedAttr) {
  std::string work = ::testing::TempDir() + "/seqc-fuse-attention-" + name;
  ASSERT_EQ(std::system(("mkdir -p " + work).c_str()), 0);
  std::string mlir = work + "/eager.mlir";
  std::ofstream(mlir) << eagerAttention(form);
  std::string seqc = SEQC_EXECUTABLE, log = " 2>> " + work + "/seqc.log";
  // The fused form really is one seq.attention.
  ASSERT_EQ(std::system((seqc + " " + mlir + " --emit=seq -o " + work +
                         "/fused.seq.mlir" + log)
                            .c_str()),
            0);
  std::string fusedIR = readFile(work + "/fused.seq.mlir");
  EXPECT_NE(fusedIR.find("seq.attention"), std::string::npos);
  EXPECT_NE(fusedIR.find(expectedAttr), std::string::npos);
  EXPECT_EQ(fusedIR.find("math.exp"), std::string::npos);
  ASSERT_EQ(
      std::system(
          (seqc + " " + mlir + " -o " + work + "/fused.so" + log).c_str()),
      0)
      << "see " << work << "/seqc.log";
  ASSERT_EQ(std::system((seqc + " " + mlir + " --fuse-attention=false -o " +
                         work + "/unfused.so" + log)
                            .c_str()),
            0)
      << "see " << work << "/seqc.log";

  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  size_t n = size_t(kHeads) * kSeq * kDim;
  std::vector<float> q(n), k(n), v(n);
  for (auto *x : {&q, &k, &v})
    for (float &e : *x)
      e = normal(rng);
  std::vector<float> fused = run(work + "/fused.so", q, k, v);
  std::vector<float> unfused = run(work + "/unfused.so", q, k, v);
  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < n; ++i) {
    maxDiff = std::max(maxDiff, double(std::fabs(fused[i] - unfused[i])));
    maxRef = std::max(maxRef, double(std::fabs(unfused[i])));
  }
  EXPECT_GT(maxRef, 0.1); // the reference computed something
  EXPECT_LE(maxDiff, 1e-5 * (1 + maxRef));
}

TEST(FuseAttention, CausalConstantMaskMatchesUnfused) {
  checkFusedMatchesUnfused(MaskForm::CausalConstant, "causal", "causal");
}

TEST(FuseAttention, IndexSelectMaskBecomesMaskModAndMatchesUnfused) {
  checkFusedMatchesUnfused(MaskForm::DocumentSelect, "document", "mask_mod");
}

} // namespace
