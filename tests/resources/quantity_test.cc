// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/quantity.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::resources {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr long double kKi = 1024.0L;
constexpr long double kMi = kKi * 1024;
constexpr long double kGi = kMi * 1024;
constexpr long double kTi = kGi * 1024;
constexpr long double kPi = kTi * 1024;
constexpr long double kEi = kPi * 1024;

// Equal within a few ulps relative to the larger magnitude: decimal
// fractions such as 1e-9 are not exact in binary.
void ExpectAmount(long double got, long double want) {
  const long double scale = std::max(std::fabs(got), std::fabs(want));
  EXPECT_LE(std::fabs(got - want), scale * 1e-15L)
      << "got " << static_cast<double>(got) << ", want "
      << static_cast<double>(want);
}

TEST(ParseQuantityTest, EverySuffix) {
  struct Case {
    std::string text;
    long double want;
  };
  const std::vector<Case> cases = {
      {"3", 3},         {"3n", 3e-9L},    {"3u", 3e-6L},    {"3m", 3e-3L},
      {"3k", 3e3L},     {"3M", 3e6L},     {"3G", 3e9L},     {"3T", 3e12L},
      {"3P", 3e15L},    {"3E", 3e18L},    {"3Ki", 3 * kKi}, {"3Mi", 3 * kMi},
      {"3Gi", 3 * kGi}, {"3Ti", 3 * kTi}, {"3Pi", 3 * kPi}, {"3Ei", 3 * kEi},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<long double> got = ParseQuantity(c.text);
    ASSERT_THAT(got, IsOk());
    ExpectAmount(*got, c.want);
  }
}

TEST(ParseQuantityTest, DecimalsSignsAndExponents) {
  struct Case {
    std::string text;
    long double want;
  };
  const std::vector<Case> cases = {
      {"0", 0},
      {"500m", 0.5L},
      {"0.5", 0.5L},
      {".5", 0.5L},
      {"5.", 5},
      {"+2", 2},
      {"1.5", 1.5L},
      {"1.5Gi", 1.5L * kGi},
      {"2.25Mi", 2.25L * kMi},
      {"0.1", 0.1L},
      {"007", 7},
      {"1e3", 1000},
      {"1E3", 1000},  // "E3" is an exponent, not the exa suffix
      {"1e+3", 1000},
      {"5e-1", 0.5L},
      {"1.5e2", 150},
      {"2e0", 2},
      {"1e-9", 1e-9L},
      {"12e100", 12e100L},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<long double> got = ParseQuantity(c.text);
    ASSERT_THAT(got, IsOk());
    ExpectAmount(*got, c.want);
  }
}

TEST(ParseQuantityTest, RejectsWhatKubernetesRejects) {
  const std::vector<std::string> cases = {
      "",        // empty
      "m",       // suffix without a number
      ".",       // a point is not a number
      "-1",      // negative
      "-500m",   // negative
      "1 Gi",    // space
      " 1",      // leading space
      "1Gi ",    // trailing space
      "1gi",     // binary suffixes are case-sensitive
      "1K",      // the kilo suffix is lower case
      "1KB",     // not a Kubernetes unit
      "1Gib",    // trailing garbage
      "1.2.3",   // two points
      "1e",      // exponent without digits
      "1e+",     // exponent without digits
      "1e1000",  // exponent longer than three digits
      "1e3m",    // exponent and suffix
      "1ee3",    // double e
      "0x10",    // hex
      "abc",     // words
      "1,5",     // decimal comma
      "∞",       // not ASCII
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text);
    EXPECT_THAT(
        ParseQuantity(text),
        StatusIs(
            absl::StatusCode::kInvalidArgument,
            AllOf(HasSubstr("\"" + text + "\" is not a Kubernetes quantity"),
                  HasSubstr("use a non-negative number with an optional "
                            "suffix, such as 500m, 2, 4Gi or 4G"))));
  }
}

TEST(QuantitiesEqualTest, ComparesAmountsNotSpellings) {
  struct Case {
    std::string a, b;
    bool want;
  };
  const std::vector<Case> cases = {
      {"1", "1000m", true},
      {"1Gi", "1024Mi", true},
      {"1Mi", "1024Ki", true},
      {"1Ti", "1024Gi", true},
      {"0.5", "500m", true},
      {"0.1", "100m", true},
      {"1k", "1000", true},
      {"1e3", "1k", true},
      {"1.5Gi", "1536Mi", true},
      {"4G", "4000M", true},
      {"2", "2.0", true},
      {"0", "0m", true},
      {"10Gi", "10Gi", true},
      {"1G", "1Gi", false},  // decimal vs binary
      {"2", "2001m", false},
      {"1", "1001m", false},
      {"1Gi", "1025Mi", false},
      {"0", "1n", false},
      // Text that does not parse never equals a quantity.
      {"1Gi", "1 Gi", false},
      {"abc", "0", false},
      {"", "0", false},
      // The same text is the same amount, parsable or not (no drift).
      {"abc", "abc", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.a + " vs " + c.b);
    EXPECT_EQ(QuantitiesEqual(c.a, c.b), c.want);
    EXPECT_EQ(QuantitiesEqual(c.b, c.a), c.want) << "not symmetric";
  }
}

}  // namespace
}  // namespace cvm::resources
