// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// gMock matchers for absl::Status and absl::StatusOr (Debian's Abseil has no
// status_matchers.h). There is deliberately no "is not OK" matcher: tests
// assert the specific error.
//
//   EXPECT_THAT(DoIt(), IsOk());
//   EXPECT_THAT(DoIt(), StatusIs(absl::StatusCode::kNotFound,
//   HasSubstr("pod"))); EXPECT_THAT(Compute(), IsOkAndHolds(42));

#ifndef CVM_TESTS_TESTING_STATUS_MATCHERS_H_
#define CVM_TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace cvm::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status.ToString();
  return status.ok();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(status.message()), result_listener);
}

// Matches an OK absl::StatusOr<T> whose value matches `value_matcher`.
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace cvm::testing

#define CVM_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  CVM_ASSERT_OK_AND_ASSIGN_IMPL_(           \
      CVM_TESTING_CONCAT_(cvm_assert_statusor_, __LINE__), lhs, expr)
#define CVM_TESTING_CONCAT_INNER_(a, b) a##b
#define CVM_TESTING_CONCAT_(a, b) CVM_TESTING_CONCAT_INNER_(a, b)
#define CVM_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr)   \
  auto statusor = (expr);                                     \
  ASSERT_TRUE(statusor.ok()) << statusor.status().ToString(); \
  lhs = std::move(statusor).value()

#endif  // CVM_TESTS_TESTING_STATUS_MATCHERS_H_
