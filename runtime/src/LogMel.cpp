//===- LogMel.cpp - Whisper's log-mel features from 16 kHz PCM
//-------------===//
//
// What transformers' WhisperFeatureExtractor computes (its torch path):
// the samples padded with zeros or cut to n_frames · 160, a centred STFT
// (400-sample periodic Hann window, hop 160, reflect padding; the last
// frame dropped), power spectra, Slaney-normalised triangular mel filters
// on the Slaney mel scale over 0–8 kHz, log10 of at least 1e-10, floored 8
// below the maximum, then (x + 4) / 4. The FFT is KISS FFT's real
// transform (Debian's libkissfft), in float as torch.stft.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include "ApiGuard.h"
#include "Error.h"

#include <kissfft/kiss_fftr.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace {

constexpr size_t kFft = 400, kHop = 160, kBins = kFft / 2 + 1;
constexpr double kSampleRate = 16000.0, kMaxFrequency = 8000.0;
constexpr float kMaxSample = 1e6f;

/// Slaney's mel scale (librosa's default): linear below 1 kHz, then
/// logarithmic.
double hertzToMel(double hertz) {
  const double logStep = 27.0 / std::log(6.4);
  return hertz >= 1000.0 ? 15.0 + std::log(hertz / 1000.0) * logStep
                         : 3.0 * hertz / 200.0;
}
double melToHertz(double mel) {
  const double logStep = std::log(6.4) / 27.0;
  return mel >= 15.0 ? 1000.0 * std::exp(logStep * (mel - 15.0))
                     : 200.0 * mel / 3.0;
}

/// transformers' mel_filter_bank(201, mels, 0, 8000, 16000, norm="slaney",
/// mel_scale="slaney") as [mels][bins], rounded to float as the extractor
/// hands it to torch.
std::vector<float> melFilters(size_t mels) {
  std::vector<double> centers(mels + 2);
  double low = hertzToMel(0.0), high = hertzToMel(kMaxFrequency);
  for (size_t i = 0; i < mels + 2; ++i)
    centers[i] = melToHertz(low + (high - low) * static_cast<double>(i) /
                                      static_cast<double>(mels + 1));
  std::vector<float> filters(mels * kBins);
  for (size_t m = 0; m < mels; ++m) {
    double norm = 2.0 / (centers[m + 2] - centers[m]);
    for (size_t k = 0; k < kBins; ++k) {
      double f = kSampleRate / 2 * static_cast<double>(k) /
                 static_cast<double>(kBins - 1);
      double down = (f - centers[m]) / (centers[m + 1] - centers[m]);
      double up = (centers[m + 2] - f) / (centers[m + 2] - centers[m + 1]);
      filters[m * kBins + k] =
          static_cast<float>(std::max(0.0, std::min(down, up)) * norm);
    }
  }
  return filters;
}

seqrt::Error logMel(const float *samples, size_t count, size_t mels,
                    size_t frames, float *out) {
  using seqrt::makeError;
  if (mels == 0 || mels > 1024 || frames == 0 || frames > (1u << 22))
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     "seq_whisper_log_mel: " + std::to_string(mels) +
                         " mel bins x " + std::to_string(frames) +
                         " frames; expected 1-1024 x 1-4194304");
  // PCM lies in [-1, 1]; far beyond, the float spectra would overflow.
  for (size_t i = 0; i < count; ++i)
    if (!(std::fabs(samples[i]) <= kMaxSample))
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       "seq_whisper_log_mel: sample #" + std::to_string(i) +
                           " (" + std::to_string(samples[i]) +
                           ") is not finite or beyond +-1e6 (PCM lies in "
                           "[-1, 1])");
  // The chunk: zeros past the audio, the rest cut.
  size_t length = frames * kHop;
  std::vector<float> chunk(length, 0.0f);
  std::copy(samples, samples + std::min(count, length), chunk.begin());
  // Reflect-padded by kFft / 2 on each side (torch.stft's centre).
  auto at = [&](ptrdiff_t i) -> float {
    ptrdiff_t n = static_cast<ptrdiff_t>(length);
    if (n == 1)
      return chunk[0];
    while (i < 0 || i >= n) // one reflection suffices unless n < 200
      i = i < 0 ? -i : 2 * (n - 1) - i;
    return chunk[static_cast<size_t>(i)];
  };
  std::vector<float> window(kFft);
  for (size_t n = 0; n < kFft; ++n)
    window[n] = static_cast<float>(
        0.5 - 0.5 * std::cos(2.0 * M_PI * static_cast<double>(n) / kFft));
  std::unique_ptr<std::remove_pointer_t<kiss_fftr_cfg>, void (*)(void *)> fft(
      kiss_fftr_alloc(kFft, 0, nullptr, nullptr), kiss_fft_free);
  if (!fft)
    return makeError(SEQ_ERROR_OUT_OF_MEMORY, "seq_whisper_log_mel: no FFT");
  std::vector<float> filters = melFilters(mels), frame(kFft), power(kBins);
  std::vector<kiss_fft_cpx> spectrum(kBins);
  float top = -INFINITY;
  for (size_t t = 0; t < frames; ++t) {
    ptrdiff_t start = static_cast<ptrdiff_t>(t * kHop) - kFft / 2;
    for (size_t n = 0; n < kFft; ++n)
      frame[n] = at(start + static_cast<ptrdiff_t>(n)) * window[n];
    kiss_fftr(fft.get(), frame.data(), spectrum.data());
    for (size_t k = 0; k < kBins; ++k)
      power[k] = spectrum[k].r * spectrum[k].r + spectrum[k].i * spectrum[k].i;
    for (size_t m = 0; m < mels; ++m) {
      float sum = 0;
      for (size_t k = 0; k < kBins; ++k)
        sum += filters[m * kBins + k] * power[k];
      float value = std::log10(std::max(sum, 1e-10f));
      out[m * frames + t] = value;
      top = std::max(top, value);
    }
  }
  for (size_t i = 0; i < mels * frames; ++i)
    out[i] = (std::max(out[i], top - 8.0f) + 4.0f) / 4.0f;
  return seqrt::Error::ok();
}

} // namespace

extern "C" {

seq_status seq_whisper_log_mel(const float *samples, size_t n_samples,
                               size_t n_mels, size_t n_frames, float *out) {
  if ((!samples && n_samples) || !out)
    return seqrt::invalidArgument(
        "seq_whisper_log_mel: samples and out must not be NULL");
  return seqrt::guarded(
      [&] { return logMel(samples, n_samples, n_mels, n_frames, out); });
}

} // extern "C"
