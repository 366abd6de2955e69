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
  // or "Infinity"/"-Infinity". Errors: kInvalidArgument for anything else,
  // or an exponent beyond +/-100000.
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

  // Canonical decimal text: "-12.5", "1000", "0.1", "Infinity".
  std::string ToString() const;

  bool operator==(const Number& o) const {
    return infinity_ == o.infinity_ && digits_ == o.digits_ &&
           exponent_ == o.exponent_ && negative_ == o.negative_;
  }
  bool operator!=(const Number& o) const { return !(*this == o); }
  // Total order by value.
  bool operator<(const Number& o) const;

 private:
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
