// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// File helpers for tests. Header-only, test-only.

#ifndef CVM_TESTS_TESTING_TEST_FILES_H_
#define CVM_TESTS_TESTING_TEST_FILES_H_

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace cvm::testing {

// A path named `name` plus this process's id under $TEST_TMPDIR (or /tmp).
// The file is not created; the caller removes it.
inline std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name + "." +
         std::to_string(::getpid());
}

// The whole content of `path`; empty when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace cvm::testing

#endif  // CVM_TESTS_TESTING_TEST_FILES_H_
