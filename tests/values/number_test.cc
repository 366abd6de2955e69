// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/number.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::values {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::HasSubstr;

Number N(const std::string& text) {
  absl::StatusOr<Number> n = Number::Parse(text);
  EXPECT_THAT(n, IsOk()) << text;
  return n.ok() ? *n : Number();
}

TEST(NumberTest, ParseCanonicalizes) {
  struct Case {
    std::string text;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"0", "0"},
      {"-0", "0"},
      {"+0", "0"},
      {"0.000", "0"},
      {"0e5", "0"},
      {"1", "1"},
      {"+5", "5"},
      {"-12.5", "-12.5"},
      {"1.50", "1.5"},
      {"1e3", "1000"},
      {"1E+3", "1000"},
      {"100e-2", "1"},
      {"123e-2", "1.23"},
      {"1E-2", "0.01"},
      {"0.1", "0.1"},
      {"12345678901234567890", "12345678901234567890"},
      {"-98765432109876543210.0123456789", "-98765432109876543210.0123456789"},
      {"1e0000005", "100000"},
      {"Infinity", "Infinity"},
      {"+Infinity", "Infinity"},
      {"-Infinity", "-Infinity"},
      // More than 64 padding zeros switches to scientific notation.
      {"1e64", "1" + std::string(64, '0')},
      {"1e65", "1e+65"},
      {"1e100", "1e+100"},
      {"-1.5e-70", "-1.5e-70"},
      {"1e-65", "0." + std::string(64, '0') + "1"},
      {"1e-66", "1e-66"},
      {"1e100000", "1e+100000"},
      {"1e-100000", "1e-100000"},
      {"0.001e-99997", "1e-100000"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    CVM_ASSERT_OK_AND_ASSIGN(Number n, Number::Parse(c.text));
    EXPECT_EQ(n.ToString(), c.want);
    // The canonical text parses back to the same number.
    CVM_ASSERT_OK_AND_ASSIGN(Number again, Number::Parse(n.ToString()));
    EXPECT_EQ(again, n);
  }
}

TEST(NumberTest, ParseRejects) {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", "expected a digit"},
      {"abc", "expected a digit"},
      {"-", "expected a digit"},
      {"+-1", "expected a digit"},
      {"--1", "expected a digit"},
      {"01", "leading zero"},
      {"-01.5", "leading zero"},
      {"1.", "expected a digit after '.'"},
      {".5", "expected a digit"},
      {"1e", "expected a digit in the exponent"},
      {"1e+", "expected a digit in the exponent"},
      {"1 ", "unexpected character"},
      {" 1", "expected a digit"},
      {"0x10", "unexpected character"},
      {"1,5", "unexpected character"},
      {"NaN", "expected a digit"},
      {"inf", "expected a digit"},
      {"infinity", "expected a digit"},
      {"Infinityx", "expected a digit"},
      {"1e100001", "exponent out of range"},
      {"1e-100001", "exponent out of range"},
      {"10e100000", "exponent out of range"},
      {"0.01e-99999", "exponent out of range"},
      {"1e9999999999", "exponent out of range"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(
        Number::Parse(c.text),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

TEST(NumberTest, EqualityIsByValue) {
  EXPECT_EQ(N("1.50"), N("1.5"));
  EXPECT_EQ(N("-0"), N("0"));
  EXPECT_EQ(N("-0"), Number());
  EXPECT_EQ(N("1e3"), Number::FromInt64(1000));
  EXPECT_EQ(N("18446744073709551615"),
            Number::FromUint64(std::numeric_limits<uint64_t>::max()));
  EXPECT_EQ(Number::FromDouble(0.5), N("0.5"));
  EXPECT_NE(N("0.1"), Number::FromDouble(0.1));
  EXPECT_NE(N("Infinity"), N("-Infinity"));
  EXPECT_NE(N("1"), N("-1"));
}

TEST(NumberTest, FromIntegers) {
  EXPECT_EQ(Number::FromInt64(0).ToString(), "0");
  EXPECT_EQ(Number::FromInt64(-7).ToString(), "-7");
  EXPECT_EQ(Number::FromInt64(1200).ToString(), "1200");
  EXPECT_EQ(Number::FromInt64(std::numeric_limits<int64_t>::min()).ToString(),
            "-9223372036854775808");
  EXPECT_EQ(Number::FromInt64(std::numeric_limits<int64_t>::max()).ToString(),
            "9223372036854775807");
  EXPECT_EQ(Number::FromUint64(std::numeric_limits<uint64_t>::max()).ToString(),
            "18446744073709551615");
}

TEST(NumberTest, FromDoubleIsExact) {
  struct Case {
    std::string name;
    double d;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"zero", 0.0, "0"},
      {"negative zero", -0.0, "0"},
      {"3.25", 3.25, "3.25"},
      {"-2.5", -2.5, "-2.5"},
      {"0.1", 0.1, "0.1000000000000000055511151231257827021181583404541015625"},
      {"float 0.1", static_cast<double>(0.1f), "0.100000001490116119384765625"},
      {"2^63", 9223372036854775808.0, "9223372036854775808"},
      {"2^53+2", 9007199254740994.0, "9007199254740994"},
      {"1e20", 1e20, "100000000000000000000"},
      {"max", std::numeric_limits<double>::max(),
       "17976931348623157081452742373170435679807056752584499659891747680315726"
       "07800285387605895586327668781715404589535143824642343213268894641827684"
       "67546703537516986049910576551282076245490090389328944075868508455133942"
       "30458323690322294816580855933212334827479782620414472316873817718091929"
       "9881250404026184124858368"},
      {"infinity", std::numeric_limits<double>::infinity(), "Infinity"},
      {"-infinity", -std::numeric_limits<double>::infinity(), "-Infinity"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Number::FromDouble(c.d).ToString(), c.want);
  }
  // The smallest subnormal, 2^-1074, has 751 significant digits.
  Number tiny = Number::FromDouble(std::numeric_limits<double>::denorm_min());
  EXPECT_THAT(tiny.ToString(),
              ::testing::StartsWith("4.9406564584124654417656879286822137236505"
                                    "980261432476442558"));
  EXPECT_THAT(tiny.ToString(), ::testing::EndsWith("e-324"));
  EXPECT_EQ(tiny.ToExactDouble(), std::numeric_limits<double>::denorm_min());
}

TEST(NumberTest, ToExactDouble) {
  struct Case {
    std::string text;
    std::optional<double> want;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Case> cases = {
      {"0", 0.0},
      {"3.25", 3.25},
      {"-2.5", -2.5},
      {"0.5", 0.5},
      {"1e20", 1e20},
      {"9007199254740992", 9007199254740992.0},
      {"9223372036854775808", 9223372036854775808.0},
      {"0.1000000000000000055511151231257827021181583404541015625", 0.1},
      {"Infinity", inf},
      {"-Infinity", -inf},
      {"0.1", std::nullopt},
      {"1e23", std::nullopt},
      {"9007199254740993", std::nullopt},
      {"12345678901234567890", std::nullopt},
      {"1e400", std::nullopt},
      {"1e-400", std::nullopt},
      {"1e+100", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(N(c.text).ToExactDouble(), c.want);
  }
}

TEST(NumberTest, ToDoubleRounds) {
  EXPECT_EQ(N("0.1").ToDouble(), 0.1);
  EXPECT_EQ(N("12345678901234567890").ToDouble(), 12345678901234567890.0);
  EXPECT_EQ(N("1e400").ToDouble(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(N("-1e400").ToDouble(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(N("1e-400").ToDouble(), 0.0);
  EXPECT_EQ(N("-Infinity").ToDouble(),
            -std::numeric_limits<double>::infinity());
}

TEST(NumberTest, IntegerConversions) {
  struct Case {
    std::string text;
    std::optional<int64_t> i64;
    std::optional<uint64_t> u64;
    bool integer;
  };
  const std::vector<Case> cases = {
      {"0", 0, 0u, true},
      {"42", 42, 42u, true},
      {"-42", -42, std::nullopt, true},
      {"1e18", 1000000000000000000, 1000000000000000000u, true},
      {"9223372036854775807", std::numeric_limits<int64_t>::max(),
       9223372036854775807u, true},
      {"9223372036854775808", std::nullopt, 9223372036854775808u, true},
      {"-9223372036854775808", std::numeric_limits<int64_t>::min(),
       std::nullopt, true},
      {"-9223372036854775809", std::nullopt, std::nullopt, true},
      {"18446744073709551615", std::nullopt,
       std::numeric_limits<uint64_t>::max(), true},
      {"18446744073709551616", std::nullopt, std::nullopt, true},
      {"1e19", std::nullopt, 10000000000000000000u, true},
      {"1e20", std::nullopt, std::nullopt, true},
      {"1.5", std::nullopt, std::nullopt, false},
      {"-0.5", std::nullopt, std::nullopt, false},
      {"Infinity", std::nullopt, std::nullopt, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Number n = N(c.text);
    EXPECT_EQ(n.ToInt64(), c.i64);
    EXPECT_EQ(n.ToUint64(), c.u64);
    EXPECT_EQ(n.IsInteger(), c.integer);
  }
}

TEST(NumberTest, Predicates) {
  EXPECT_TRUE(N("-1").IsNegative());
  EXPECT_TRUE(N("-Infinity").IsNegative());
  EXPECT_FALSE(N("-0").IsNegative());
  EXPECT_FALSE(N("Infinity").IsNegative());
  EXPECT_TRUE(N("Infinity").IsInfinity());
  EXPECT_FALSE(N("1e100000").IsInfinity());
}

TEST(NumberTest, TotalOrder) {
  const std::vector<std::string> ascending = {
      "-Infinity", "-1e100",
      "-100",      "-1.5",
      "-1",        "-0.001",
      "0",         "1e-100",
      "0.001",     "0.1",
      "1",         "1.5",
      "10",        "12345678901234567890",
      "1e100",     "Infinity"};
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      SCOPED_TRACE(ascending[i] + " vs " + ascending[j]);
      EXPECT_EQ(N(ascending[i]) < N(ascending[j]), i < j);
    }
  }
}

TEST(NumberTest, RandomDoublesRoundTrip) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    static_assert(sizeof d == sizeof bits);
    std::memcpy(&d, &bits, sizeof d);
    if (std::isnan(d)) continue;
    Number n = Number::FromDouble(d);
    SCOPED_TRACE(n.ToString());
    ASSERT_EQ(n.ToExactDouble(), d == 0 ? 0.0 : d);
    ASSERT_EQ(n.ToDouble(), d == 0 ? 0.0 : d);
    CVM_ASSERT_OK_AND_ASSIGN(Number again, Number::Parse(n.ToString()));
    ASSERT_EQ(again, n);
  }
}

}  // namespace
}  // namespace cvm::values
