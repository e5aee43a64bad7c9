//===- Progress.cpp - phases and timings of a long job on stderr ----------===//

#include "compiler/Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

namespace seqc {

namespace {
double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}
/// The Progress alive now (a tool runs one job at a time).
Progress *active = nullptr;
} // namespace

Progress::Progress(std::string tool, bool verbose, unsigned phases)
    : tool(std::move(tool)), verbose(verbose),
      terminal(!verbose && llvm::sys::Process::StandardErrIsDisplayed()),
      phases(phases), start(Clock::now()) {
  active = this;
}

Progress::~Progress() {
  erase();
  if (active == this)
    active = nullptr;
}

void Progress::eraseActive() {
  if (!active)
    return;
  std::lock_guard<std::mutex> guard(active->lock);
  active->erase();
}

void Progress::begin(const std::string &name) {
  std::lock_guard<std::mutex> guard(lock);
  endPhase();
  phase = name;
  ++current;
  phaseStart = lastDraw = Clock::now();
  if (terminal)
    draw(tool + ": [" + std::to_string(current) + "/" + std::to_string(phases) +
         "] " + phase);
}

void Progress::step(const std::string &detail, bool last) {
  if (!terminal)
    return;
  std::lock_guard<std::mutex> guard(lock);
  Clock::time_point now = Clock::now();
  if (!last && now - lastDraw < std::chrono::milliseconds(100))
    return;
  lastDraw = now;
  std::string line;
  llvm::raw_string_ostream os(line);
  os << tool << ": [" << current << "/" << phases << "] " << phase << ": "
     << detail << llvm::format(" (%.0f s)", seconds(now - phaseStart));
  draw(line);
}

void Progress::finish() {
  std::lock_guard<std::mutex> guard(lock);
  endPhase();
  erase();
  if (verbose)
    llvm::errs() << llvm::format("%s: done in %.2f s\n", tool.c_str(),
                                 seconds(Clock::now() - start));
}

void Progress::endPhase() {
  if (phase.empty())
    return;
  if (verbose)
    llvm::errs() << llvm::format("%s: [%u/%u] %s: %.2f s\n", tool.c_str(),
                                 current, phases, phase.c_str(),
                                 seconds(Clock::now() - phaseStart));
  phase.clear();
}

void Progress::draw(const std::string &line) {
  llvm::errs() << "\r" << line;
  if (line.size() < drawn)
    llvm::errs().indent(drawn - line.size());
  drawn = line.size();
  llvm::errs().flush();
}

void Progress::erase() {
  if (!drawn)
    return;
  llvm::errs() << "\r";
  llvm::errs().indent(drawn);
  llvm::errs() << "\r";
  llvm::errs().flush();
  drawn = 0;
}

} // namespace seqc
