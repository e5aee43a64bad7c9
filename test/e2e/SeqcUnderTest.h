//===- SeqcUnderTest.h - which seqc the end-to-end tests run ---*- C++ -*-===//
//
// The tests compile their models with the build's seqc. tools/gpu-check.sh
// swaps it for a wrapper (SEQC_TEST_SEQC) that records every compiled model
// here, where LLVM and MLIR are installed, and replays them on a GPU
// machine that has neither; SEQC_TEST_COMPILE_ONLY=1 makes the tests
// compile every model and run none (the recording pass).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_E2E_SEQCUNDERTEST_H
#define SEQC_TEST_E2E_SEQCUNDERTEST_H

#include <cstdlib>
#include <string>

namespace seqc::test {

inline std::string seqcExecutable() {
  const char *wrapper = std::getenv("SEQC_TEST_SEQC");
  return wrapper && *wrapper ? wrapper : SEQC_EXECUTABLE;
}

inline bool compileOnly() {
  const char *value = std::getenv("SEQC_TEST_COMPILE_ONLY");
  return value && std::string(value) == "1";
}

} // namespace seqc::test

#endif // SEQC_TEST_E2E_SEQCUNDERTEST_H
