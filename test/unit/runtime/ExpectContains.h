//===- ExpectContains.h - EXPECT_CONTAINS for error messages ----*- C++ -*-===//
//
// The runtime's tests check that an error message names the problem and
// where it is: EXPECT_CONTAINS(message, "tensor 'w'").
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_UNIT_RUNTIME_EXPECTCONTAINS_H
#define SEQC_TEST_UNIT_RUNTIME_EXPECTCONTAINS_H

#include <gtest/gtest.h>

#include <string>

/// Expects `haystack` (evaluated once) to contain `needle`.
#define EXPECT_CONTAINS(haystack, needle)                                      \
  do {                                                                         \
    std::string text_ = (haystack);                                            \
    EXPECT_NE(text_.find(needle), std::string::npos)                           \
        << "\"" << text_ << "\" does not contain \"" << (needle) << "\"";      \
  } while (false)

#endif // SEQC_TEST_UNIT_RUNTIME_EXPECTCONTAINS_H
