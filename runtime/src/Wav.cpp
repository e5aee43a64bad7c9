//===- Wav.cpp - PCM samples from a WAV file ------------------------------===//
//
// RIFF/WAVE with 16-bit integer or 32-bit float PCM (WAVE_FORMAT_PCM,
// WAVE_FORMAT_IEEE_FLOAT, or WAVE_FORMAT_EXTENSIBLE of either), any channel
// count (averaged to mono, as librosa's load(mono=True) does). Every chunk
// size is checked against the file; anything else is an error naming the
// file and what is wrong. No resampling: the caller checks the rate.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include "ApiGuard.h"
#include "Error.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

constexpr size_t kMaxFileBytes = size_t(1) << 31; // 2 GiB of audio

uint32_t read32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}
uint16_t read16(const uint8_t *p) { return uint16_t(p[0] | p[1] << 8); }

seqrt::Error readWav(const std::string &path, std::vector<float> &samples,
                     uint32_t &rate) {
  auto bad = [&](const std::string &what) {
    return seqrt::makeError(SEQ_ERROR_INVALID_ARGUMENT, path + ": " + what);
  };
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    return seqrt::makeError(SEQ_ERROR_IO, path + ": cannot open the file");
  std::streamoff size = in.tellg();
  if (size < 12 || static_cast<size_t>(size) > kMaxFileBytes)
    return bad("not a WAV file of at most 2 GiB");
  std::vector<uint8_t> data(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char *>(data.data()), size))
    return seqrt::makeError(SEQ_ERROR_IO, path + ": cannot read the file");
  if (std::memcmp(data.data(), "RIFF", 4) != 0 ||
      std::memcmp(data.data() + 8, "WAVE", 4) != 0)
    return bad("not a RIFF/WAVE file");
  uint16_t format = 0, channels = 0, bits = 0;
  const uint8_t *pcm = nullptr;
  size_t pcmBytes = 0;
  for (size_t at = 12; at + 8 <= data.size();) {
    uint32_t chunk = read32(data.data() + at + 4);
    if (chunk > data.size() - at - 8)
      return bad("chunk at byte " + std::to_string(at) +
                 " runs past the end of the file");
    const uint8_t *body = data.data() + at + 8;
    if (std::memcmp(data.data() + at, "fmt ", 4) == 0) {
      if (chunk < 16)
        return bad("'fmt ' chunk of " + std::to_string(chunk) + " bytes");
      format = read16(body);
      channels = read16(body + 2);
      rate = read32(body + 4);
      bits = read16(body + 14);
      // WAVE_FORMAT_EXTENSIBLE: the format is the sub-format GUID's first
      // two bytes.
      if (format == 0xFFFE && chunk >= 26)
        format = read16(body + 24);
    } else if (std::memcmp(data.data() + at, "data", 4) == 0) {
      pcm = body;
      pcmBytes = chunk;
    }
    at += 8 + chunk + (chunk & 1); // chunks are padded to even sizes
  }
  if (!channels)
    return bad("no 'fmt ' chunk (or zero channels)");
  if (!pcm)
    return bad("no 'data' chunk");
  bool int16 = format == 1 && bits == 16, float32 = format == 3 && bits == 32;
  if (!int16 && !float32)
    return bad("format " + std::to_string(format) + " with " +
               std::to_string(bits) +
               "-bit samples; only 16-bit integer and 32-bit float PCM are "
               "read");
  size_t width = bits / 8, frame = width * channels;
  size_t frames = pcmBytes / frame;
  samples.assign(frames, 0.0f);
  for (size_t i = 0; i < frames; ++i) {
    double sum = 0;
    for (size_t c = 0; c < channels; ++c) {
      const uint8_t *p = pcm + i * frame + c * width;
      if (int16) {
        sum += static_cast<int16_t>(read16(p)) / 32768.0;
      } else {
        uint32_t word = read32(p);
        float value;
        std::memcpy(&value, &word, sizeof value);
        sum += value;
      }
    }
    samples[i] = static_cast<float>(sum / channels);
  }
  return seqrt::Error::ok();
}

} // namespace

extern "C" {

seq_status seq_audio_read_wav(const char *path, float **out_samples,
                              size_t *out_count, uint32_t *out_rate) {
  if (!path || !out_samples || !out_count || !out_rate)
    return seqrt::invalidArgument(
        "seq_audio_read_wav: arguments must not be NULL");
  *out_samples = nullptr;
  *out_count = 0;
  *out_rate = 0;
  return seqrt::guarded([&] {
    std::vector<float> samples;
    uint32_t rate = 0;
    if (seqrt::Error e = readWav(path, samples, rate))
      return e;
    auto *buffer = static_cast<float *>(
        std::malloc(std::max<size_t>(samples.size(), 1) * sizeof(float)));
    if (!buffer)
      return seqrt::makeError(SEQ_ERROR_OUT_OF_MEMORY, "out of memory");
    std::copy(samples.begin(), samples.end(), buffer);
    *out_samples = buffer;
    *out_count = samples.size();
    *out_rate = rate;
    return seqrt::Error::ok();
  });
}

void seq_audio_free(float *samples) { std::free(samples); }

} // extern "C"
