//===- AudioTest.cpp - WAV reading and Whisper's log-mel features ---------===//
//
// seq_audio_read_wav and seq_whisper_log_mel against transformers'
// WhisperFeatureExtractor (the golden folder's speech.wav and the features
// it computed from it, tools/goldens/make_seq2seq_goldens.py), and on
// broken input.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include "test/unit/reference/GoldenLoader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

const std::string kWhisper =
    std::string(SEQC_SOURCE_DIR) + "/test/Frontends/hf/seq2seq/whisper";

std::string lastError() { return seq_last_error(); }

TEST(LogMel, MatchesWhisperFeatureExtractor) {
  float *samples = nullptr;
  size_t count = 0;
  uint32_t rate = 0;
  ASSERT_EQ(seq_audio_read_wav((kWhisper + "/speech.wav").c_str(), &samples,
                               &count, &rate),
            SEQ_OK)
      << lastError();
  EXPECT_EQ(rate, 16000u);
  EXPECT_EQ(count, 35200u); // 2.2 s
  seqref::golden::NpyArray want;
  std::string error;
  ASSERT_TRUE(
      seqref::golden::loadNpy(kWhisper + "/source_features.npy", want, error))
      << error;
  ASSERT_EQ(want.shape, (std::vector<int64_t>{80, 300}));
  std::vector<float> expected(80 * 300), got(80 * 300);
  std::memcpy(expected.data(), want.bytes.data(), expected.size() * 4);
  // The 3 s the model takes: 2.2 s of audio, then zeros.
  ASSERT_EQ(seq_whisper_log_mel(samples, count, 80, 300, got.data()), SEQ_OK)
      << lastError();
  seq_audio_free(samples);
  // Both in float; the FFTs differ (KISS FFT against torch's), so the
  // power spectra agree to ~1e-6 relative and the log10 features (scaled
  // by 1/4) to well under 1e-4.
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::fabs(double(got[i]) - expected[i]));
  EXPECT_LT(worst, 1e-4) << "largest difference " << worst;
}

TEST(LogMel, RejectsBadArguments) {
  std::vector<float> out(4), samples = {0.1f, NAN};
  EXPECT_EQ(seq_whisper_log_mel(samples.data(), 1, 0, 4, out.data()),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("0 mel bins"), std::string::npos) << lastError();
  EXPECT_EQ(seq_whisper_log_mel(samples.data(), 2, 1, 4, out.data()),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(lastError().find("sample #1 (nan) is not finite"),
            std::string::npos)
      << lastError();
  samples[1] = 3e7f;
  EXPECT_EQ(seq_whisper_log_mel(samples.data(), 2, 1, 4, out.data()),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(seq_whisper_log_mel(nullptr, 2, 1, 4, out.data()),
            SEQ_ERROR_INVALID_ARGUMENT);
  // No samples at all is silence: defined, all at the floor.
  ASSERT_EQ(seq_whisper_log_mel(nullptr, 0, 1, 4, out.data()), SEQ_OK);
  for (float v : out)
    EXPECT_FLOAT_EQ(v, (-10.0f + 4.0f) / 4.0f);
}

/// A WAV file of `bytes` in the test's temporary folder.
std::string writeFile(const std::string &name, const std::string &bytes) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string le32(uint32_t v) {
  return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)};
}
std::string le16(uint16_t v) { return std::string{char(v), char(v >> 8)}; }

/// RIFF/WAVE with a 16-byte fmt chunk and a data chunk of `data`.
std::string wav(uint16_t format, uint16_t channels, uint32_t rate,
                uint16_t bits, const std::string &data) {
  std::string fmt = le16(format) + le16(channels) + le32(rate) +
                    le32(rate * channels * bits / 8) +
                    le16(channels * bits / 8) + le16(bits);
  std::string body = "WAVE" + std::string("fmt ") + le32(16) + fmt + "data" +
                     le32(uint32_t(data.size())) + data;
  return "RIFF" + le32(uint32_t(body.size())) + body;
}

TEST(ReadWav, AveragesChannelsAndReadsFloat) {
  // Two 16-bit channels: (16384, -16384) and (32767, 32767).
  std::string stereo =
      le16(16384) + le16(uint16_t(-16384)) + le16(32767) + le16(32767);
  float *samples = nullptr;
  size_t count = 0;
  uint32_t rate = 0;
  ASSERT_EQ(seq_audio_read_wav(
                writeFile("stereo.wav", wav(1, 2, 8000, 16, stereo)).c_str(),
                &samples, &count, &rate),
            SEQ_OK)
      << lastError();
  ASSERT_EQ(count, 2u);
  EXPECT_EQ(rate, 8000u);
  EXPECT_FLOAT_EQ(samples[0], 0.0f);
  EXPECT_FLOAT_EQ(samples[1], 32767.0f / 32768.0f);
  seq_audio_free(samples);
  float values[2] = {0.25f, -0.5f};
  std::string floats(reinterpret_cast<const char *>(values), sizeof values);
  ASSERT_EQ(seq_audio_read_wav(
                writeFile("float.wav", wav(3, 1, 16000, 32, floats)).c_str(),
                &samples, &count, &rate),
            SEQ_OK)
      << lastError();
  ASSERT_EQ(count, 2u);
  EXPECT_FLOAT_EQ(samples[1], -0.5f);
  seq_audio_free(samples);
}

TEST(ReadWav, RejectsBrokenFiles) {
  float *samples = nullptr;
  size_t count = 0;
  uint32_t rate = 0;
  auto refused = [&](const std::string &path, seq_status status,
                     const char *what) {
    EXPECT_EQ(seq_audio_read_wav(path.c_str(), &samples, &count, &rate), status)
        << path;
    EXPECT_NE(lastError().find(what), std::string::npos) << lastError();
    EXPECT_EQ(samples, nullptr);
  };
  refused(::testing::TempDir() + "missing.wav", SEQ_ERROR_IO,
          "cannot open the file");
  refused(writeFile("text.wav", "this is not audio at all"),
          SEQ_ERROR_INVALID_ARGUMENT, "not a RIFF/WAVE file");
  refused(writeFile("8bit.wav", wav(1, 1, 16000, 8, "ab")),
          SEQ_ERROR_INVALID_ARGUMENT,
          "format 1 with 8-bit samples; only 16-bit integer and 32-bit float");
  std::string truncated = wav(1, 1, 16000, 16, "abcd");
  truncated.resize(truncated.size() - 3);
  refused(writeFile("truncated.wav", truncated), SEQ_ERROR_INVALID_ARGUMENT,
          "runs past the end of the file");
  refused(writeFile("nodata.wav", "RIFF" + le32(4) + "WAVE" + "fmt " +
                                      le32(16) + le16(1) + le16(1) +
                                      le32(16000) + le32(32000) + le16(2) +
                                      le16(16)),
          SEQ_ERROR_INVALID_ARGUMENT, "no 'data' chunk");
  EXPECT_EQ(seq_audio_read_wav(nullptr, &samples, &count, &rate),
            SEQ_ERROR_INVALID_ARGUMENT);
}

} // namespace
