//===- Progress.h - phases and timings of a long job on stderr --*- C++ -*-===//
//
// What `seqc` and `seqc import` tell a user while they work, as a model
// converter or compiler does: with -v, one line per finished phase and its
// time, then the total; otherwise, when stderr is a terminal, one status
// line rewritten in place ("seqc: [3/5] LLVM code generation: 4/8 partitions
// 12 s") and erased when the job ends; otherwise (a log, a pipe) nothing.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_COMPILER_PROGRESS_H
#define SEQC_COMPILER_PROGRESS_H

#include <chrono>
#include <mutex>
#include <string>

namespace seqc {

class Progress {
public:
  /// `tool` prefixes the lines; `phases` is how many begin() calls come.
  Progress(std::string tool, bool verbose, unsigned phases);
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  /// How many phases there are, once the job knows better.
  void setPhases(unsigned count) { phases = count; }
  /// Ends the current phase (if any) and starts `phase`.
  void begin(const std::string &phase);
  /// Within the current phase: how far it is ("3/8 partitions"; shown at
  /// most ten times a second, and always when `last`). Thread-safe.
  void step(const std::string &detail, bool last);
  /// Ends the last phase; with -v prints the total time.
  void finish();
  /// Erases the status line of the Progress alive now, if any, so that an
  /// error message starts on a clean line.
  static void eraseActive();

private:
  using Clock = std::chrono::steady_clock;
  void endPhase();
  void draw(const std::string &line);
  void erase();

  std::string tool, phase;
  bool verbose, terminal;
  unsigned phases, current = 0;
  Clock::time_point start, phaseStart, lastDraw;
  size_t drawn = 0; ///< characters of the status line on screen
  std::mutex lock;
};

} // namespace seqc

#endif // SEQC_COMPILER_PROGRESS_H
