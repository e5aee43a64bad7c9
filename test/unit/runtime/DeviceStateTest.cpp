//===- DeviceStateTest.cpp - CUDA sessions' state handling, without a GPU -===//
//
// A CUDA model's session keeps its state on the device between calls and
// syncs the host copy only for fork and snapshot. This test checks that
// bookkeeping with a stand-in device: a CPU-compiled model whose "device"
// API (model.cuda) allocates host memory filled with garbage and counts
// transfers. The entry points then run on the stand-in's buffers, so any
// state that is not uploaded, downloaded or kept where it should be gives
// different logits from the same model run normally.
//
//===----------------------------------------------------------------------===//

#include "CudaDevice.h"
#include "Model.h"

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

const std::string kModels = SEQC_TEST_MODELS_DIR;
const std::string kModel = kModels + "/hybrid-tiny.so";
const std::string kWeights = kModels + "/hybrid-tiny.safetensors";

/// The stand-in device: host memory, with counters.
struct FakeDevice {
  static inline size_t allocations = 0, uploads = 0, downloads = 0;
  static void reset() { allocations = uploads = downloads = 0; }

  static int init(int) { return 1; }
  static const char *error() { return nullptr; }
  static void *alloc(size_t bytes) {
    ++allocations;
    void *p = std::malloc(bytes);
    // NaN bytes: a buffer read before anything was written shows.
    std::memset(p, 0xFF, bytes);
    return p;
  }
  static void release(void *p) { std::free(p); }
  static int toDevice(void *device, const void *host, size_t bytes) {
    ++uploads;
    std::memcpy(device, host, bytes);
    return 1;
  }
  static int toHost(void *host, const void *device, size_t bytes) {
    ++downloads;
    std::memcpy(host, device, bytes);
    return 1;
  }
};

float maxDiff(const std::vector<float> &a, const std::vector<float> &b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]));
  return std::isnan(worst) ? INFINITY : worst;
}

class DeviceStateTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(seq_model_open(kModel.c_str(), kWeights.c_str(), nullptr, &host),
              SEQ_OK)
        << seq_last_error();
    ASSERT_EQ(
        seq_model_open(kModel.c_str(), kWeights.c_str(), nullptr, &device),
        SEQ_OK)
        << seq_last_error();
    seqrt::CudaApi &api = device->cuda;
    api.init = FakeDevice::init;
    api.error = FakeDevice::error;
    api.alloc = FakeDevice::alloc;
    api.release = FakeDevice::release;
    api.toDevice = FakeDevice::toDevice;
    api.toHost = FakeDevice::toHost;
    ASSERT_FALSE(seqrt::uploadWeights(*device));
    vocab = seq_model_vocab_size(host);
    states = device->descriptor.states.size();
    ASSERT_GT(states, 0u);
    FakeDevice::reset();
  }
  void TearDown() override {
    seq_model_close(device);
    seq_model_close(host);
  }

  static seq_session *session(seq_model *model) {
    seq_session *s = nullptr;
    EXPECT_EQ(seq_session_create(model, nullptr, &s), SEQ_OK)
        << seq_last_error();
    return s;
  }
  /// Prefills `tokens`; the logits of the last one.
  std::vector<float> prefill(seq_session *s,
                             const std::vector<int32_t> &tokens) {
    const float *logits = nullptr;
    EXPECT_EQ(seq_prefill(s, tokens.data(), tokens.size(), &logits), SEQ_OK)
        << seq_last_error();
    return logits ? std::vector<float>(logits, logits + vocab)
                  : std::vector<float>();
  }
  std::vector<float> decode(seq_session *s, int32_t token) {
    const float *logits = nullptr;
    EXPECT_EQ(seq_decode(s, token, &logits), SEQ_OK) << seq_last_error();
    return logits ? std::vector<float>(logits, logits + vocab)
                  : std::vector<float>();
  }

  seq_model *host = nullptr, *device = nullptr;
  size_t vocab = 0, states = 0;
};

const std::vector<int32_t> kPrompt = {3, 141, 59, 26, 5};
const std::vector<int32_t> kContinuation = {35, 89, 79};
const std::vector<int32_t> kOther = {200, 7, 91};

TEST_F(DeviceStateTest, StateStaysOnTheDeviceBetweenCalls) {
  seq_session *h = session(host), *d = session(device);
  EXPECT_LE(maxDiff(prefill(d, kPrompt), prefill(h, kPrompt)), 1e-6f);
  // The prefill: every state allocated and uploaded once (zeros), plus the
  // tokens (one chunk); the logits come back.
  EXPECT_EQ(FakeDevice::uploads, states + 1);
  EXPECT_EQ(FakeDevice::downloads, 1u);
  size_t uploadsAfterPrefill = FakeDevice::uploads;
  size_t downloadsAfterPrefill = FakeDevice::downloads;
  size_t allocationsAfterFirstStep = 0;
  for (int32_t t : kContinuation) {
    EXPECT_LE(maxDiff(decode(d, t), decode(h, t)), 1e-6f) << "token " << t;
    if (!allocationsAfterFirstStep)
      allocationsAfterFirstStep = FakeDevice::allocations;
  }
  // Each decode step: the token in, the logits out, no state traffic; the
  // staging buffers of the first step serve the later ones.
  EXPECT_EQ(FakeDevice::uploads - uploadsAfterPrefill, kContinuation.size());
  EXPECT_EQ(FakeDevice::downloads - downloadsAfterPrefill,
            kContinuation.size());
  EXPECT_EQ(FakeDevice::allocations, allocationsAfterFirstStep);
  seq_session_destroy(d);
  seq_session_destroy(h);
}

TEST_F(DeviceStateTest, SnapshotAndRestoreSeeTheDeviceState) {
  seq_session *h = session(host), *d = session(device);
  prefill(h, kPrompt);
  prefill(d, kPrompt);
  size_t downloads = FakeDevice::downloads;
  seq_snapshot *snap = nullptr;
  ASSERT_EQ(seq_session_snapshot(d, &snap), SEQ_OK) << seq_last_error();
  // The snapshot downloaded every state once.
  EXPECT_EQ(FakeDevice::downloads - downloads, states);
  for (int32_t t : kOther)
    decode(d, t);
  ASSERT_EQ(seq_session_restore(d, snap), SEQ_OK) << seq_last_error();
  // After the restore the device runs from the snapshot's state again.
  for (int32_t t : kContinuation)
    EXPECT_LE(maxDiff(decode(d, t), decode(h, t)), 1e-6f) << "token " << t;
  seq_snapshot_destroy(snap);
  seq_session_destroy(d);
  seq_session_destroy(h);
}

TEST_F(DeviceStateTest, ForkCarriesTheDeviceState) {
  seq_session *h = session(host), *d = session(device);
  prefill(h, kPrompt);
  prefill(d, kPrompt);
  seq_session *forked = nullptr;
  ASSERT_EQ(seq_session_fork(d, &forked), SEQ_OK) << seq_last_error();
  // The original goes on elsewhere; the fork continues from the prompt.
  for (int32_t t : kOther)
    decode(d, t);
  for (int32_t t : kContinuation)
    EXPECT_LE(maxDiff(decode(forked, t), decode(h, t)), 1e-6f) << "token " << t;
  seq_session_destroy(forked);
  seq_session_destroy(d);
  seq_session_destroy(h);
}

TEST_F(DeviceStateTest, ResetStartsFromZeroState) {
  seq_session *h = session(host), *d = session(device);
  prefill(d, kOther);
  ASSERT_EQ(seq_session_reset(d), SEQ_OK) << seq_last_error();
  EXPECT_LE(maxDiff(prefill(d, kPrompt), prefill(h, kPrompt)), 1e-6f);
  seq_session_destroy(d);
  seq_session_destroy(h);
}

} // namespace
