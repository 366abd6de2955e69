// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// gtest printers for the value model and diagnostics, so that a failing
// EXPECT_EQ shows {"a" = 1} or rule[0].port instead of raw bytes. Include
// in any test comparing Values, Types, Paths or Diagnostics; gtest finds
// them by argument-dependent lookup.

#ifndef CVM_TESTS_TESTING_PRINTERS_H_
#define CVM_TESTS_TESTING_PRINTERS_H_

#include <ostream>

#include "provider/framework/diagnostics.h"
#include "provider/values/path.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace cvm::values {

inline void PrintTo(const Type& t, std::ostream* os) { *os << t.ToJson(); }
inline void PrintTo(const Value& v, std::ostream* os) {
  *os << v.DebugString() << " : " << v.type().ToJson();
}
inline void PrintTo(const Path& p, std::ostream* os) {
  *os << (p.empty() ? "<root>" : p.ToString());
}

}  // namespace cvm::values

namespace cvm::framework {

inline void PrintTo(const Diagnostic& d, std::ostream* os) {
  *os << (d.severity == Diagnostic::Severity::kError ? "error" : "warning");
  if (d.path) *os << " at " << d.path->ToString();
  *os << ": " << d.summary << ": " << d.detail;
}
inline void PrintTo(const Diagnostics& d, std::ostream* os) {
  *os << "\n" << d.ToString();
}

}  // namespace cvm::framework

#endif  // CVM_TESTS_TESTING_PRINTERS_H_
