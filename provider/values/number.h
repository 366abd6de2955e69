// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// An arbitrary-precision decimal number, as cty's number type: integers of
// any size and decimals such as 0.1 are kept exactly. Part of values/.

#ifndef CVM_PROVIDER_VALUES_NUMBER_H_
#define CVM_PROVIDER_VALUES_NUMBER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cvm::values {

// An exact decimal (or +/-infinity). Immutable value type; thread-compatible.
// The representation is canonical, so two Numbers are equal exactly when
// they denote the same value ("1.50" == "1.5", "-0" == "0", "1e3" == "1000").
class Number {
 public:
  Number();  // zero
  static Number FromInt64(int64_t v);
  static Number FromUint64(uint64_t v);
  // Exact decimal expansion of a finite double (3.25 -> "3.25"; the double
  // nearest 0.1 -> its full 55-digit expansion); infinities map to
  // +/-infinity. REQUIRES: !isnan(v).
  static Number FromDouble(double v);
  // Parses a decimal in JSON number syntax, optionally with a leading '+',
  // or "Infinity"/"-Infinity" (also "+Infinity"). Errors: kInvalidArgument
  // for anything else, or a number whose magnitude is beyond 10^+/-100000
  // (its exponent in scientific notation, d.ddd x 10^X, needs |X| <= 100000;
  // this bounds the size of ToString()).
  static absl::StatusOr<Number> Parse(std::string_view text);

  bool IsInfinity() const { return infinity_ != 0; }
  bool IsNegative() const;
  bool IsInteger() const;

  // The value as int64 when it is an integer in range; nullopt otherwise.
  std::optional<int64_t> ToInt64() const;
  // The value as uint64 when it is a non-negative integer in range.
  std::optional<uint64_t> ToUint64() const;
  // The value as a double when it is *exactly* representable as one
  // (infinities included); nullopt otherwise.
  std::optional<double> ToExactDouble() const;
  // Nearest double (may round). For comparisons and quantities, not codecs.
  double ToDouble() const;

  // Canonical decimal text: "-12.5", "1000", "0.1", "Infinity". Plain
  // notation (as Terraform writes numbers) unless that would need more than
  // 64 padding zeros; then scientific notation, "1e+100" or "1.5e-70".
  // Parse(ToString()) == *this always holds.
  std::string ToString() const;

  bool operator==(const Number& o) const {
    return infinity_ == o.infinity_ && digits_ == o.digits_ &&
           exponent_ == o.exponent_ && negative_ == o.negative_;
  }
  bool operator!=(const Number& o) const { return !(*this == o); }
  // Total order by value.
  bool operator<(const Number& o) const;

 private:
  // Builds the canonical Number for (negative ? -1 : 1) * digits * 10^exponent,
  // where `digits` is a string of '0'..'9' (possibly with leading or
  // trailing zeros, or empty for zero).
  static Number FromParts(bool negative, std::string digits, int64_t exponent);

  // value = (negative_ ? -1 : 1) * digits_ * 10^exponent_, with digits_
  // free of leading and trailing zeros ("" for zero, which is never
  // negative). infinity_ is -1, 0 or +1.
  std::string digits_;
  int64_t exponent_ = 0;
  bool negative_ = false;
  int infinity_ = 0;
};

}  // namespace cvm::values

#endif  // CVM_PROVIDER_VALUES_NUMBER_H_
