//===- AudioFuzz.cpp - libFuzzer entry for WAV files and log-mel ----------===//
//
// Each input is written as a WAV file and read with seq_audio_read_wav; an
// accepted file's samples go through seq_whisper_log_mel, which must refuse
// exactly the non-finite or huge ones (float PCM holds anything) and
// otherwise give finite features above the floor it applies.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "seq/runtime.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

// The harness links Wav.cpp and LogMel.cpp alone: their errors are
// reported here (the runtime keeps them for seq_last_error).
seq_status seqrt::report(const Error &error) { return error.status; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = [] {
    const char *tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/seqrt-audio-fuzz-" +
           std::to_string(::getpid()) + ".wav";
  }();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    std::abort();
  if (size && std::fwrite(data, 1, size, f) != size)
    std::abort();
  std::fclose(f);
  float *samples = nullptr;
  size_t count = 0;
  uint32_t rate = 0;
  if (seq_audio_read_wav(path.c_str(), &samples, &count, &rate) != SEQ_OK) {
    if (samples || count || rate)
      std::abort(); // a refusal leaves nothing behind
    return 0;
  }
  if (!samples)
    std::abort();
  std::vector<float> out(8 * 4);
  seq_status s = seq_whisper_log_mel(samples, count, 8, 4, out.data());
  bool usable = true;
  for (size_t i = 0; i < count; ++i)
    usable = usable && std::fabs(samples[i]) <= 1e6f;
  if ((s == SEQ_OK) != usable)
    std::abort(); // refused exactly for a non-finite or huge sample
  if (s == SEQ_OK)
    for (float v : out)
      if (!std::isfinite(v) || v < (-10.0f + 4.0f) / 4.0f - 1e-6f)
        std::abort();
  seq_audio_free(samples);
  return 0;
}
