// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/number.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cvm::values {
namespace {

// Numbers whose plain rendering would need more padding zeros than this are
// written in scientific notation.
constexpr int64_t kMaxPlainZeros = 64;
// Largest |X| accepted in d.ddd x 10^X.
constexpr int64_t kMaxScientificExponent = 100000;

// A non-negative integer in base 10^9, least significant limb first: just
// enough bignum for Number::FromDouble.
class BigDecimal {
 public:
  explicit BigDecimal(uint64_t v) {
    do {
      limbs_.push_back(static_cast<uint32_t>(v % kBase));
      v /= kBase;
    } while (v != 0);
  }

  // REQUIRES: factor < 2^32.
  void MultiplySmall(uint64_t factor) {
    uint64_t carry = 0;
    for (uint32_t& limb : limbs_) {
      uint64_t p = static_cast<uint64_t>(limb) * factor + carry;
      limb = static_cast<uint32_t>(p % kBase);
      carry = p / kBase;
    }
    while (carry != 0) {
      limbs_.push_back(static_cast<uint32_t>(carry % kBase));
      carry /= kBase;
    }
  }

  // Multiplies by base^count, in chunks that keep products within 64 bits.
  void MultiplyPower(uint64_t base, int64_t count) {
    uint64_t chunk = 1;
    int chunk_count = 0;
    for (int64_t i = 0; i < count; ++i) {
      chunk *= base;
      if (++chunk_count == 13) {  // 5^13 < 2^31, 2^13 < 2^31
        MultiplySmall(chunk);
        chunk = 1;
        chunk_count = 0;
      }
    }
    if (chunk != 1) MultiplySmall(chunk);
  }

  std::string ToString() const {
    std::string out = std::to_string(limbs_.back());
    for (size_t i = limbs_.size() - 1; i-- > 0;) {
      std::string part = std::to_string(limbs_[i]);
      out.append(9 - part.size(), '0');
      out.append(part);
    }
    return out;
  }

 private:
  static constexpr uint64_t kBase = 1000000000;
  std::vector<uint32_t> limbs_;
};

// The magnitude of a finite Number as uint64, if it is an integer that fits.
std::optional<uint64_t> MagnitudeToUint64(const std::string& digits,
                                          int64_t exponent) {
  if (digits.empty()) return 0;
  if (exponent < 0) return std::nullopt;
  if (static_cast<int64_t>(digits.size()) + exponent > 20) return std::nullopt;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t v = 0;
  for (char c : digits) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  for (int64_t i = 0; i < exponent; ++i) {
    if (v > kMax / 10) return std::nullopt;
    v *= 10;
  }
  return v;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status ParseError(std::string_view text, absl::string_view why) {
  std::string shown(text.substr(0, 64));
  if (text.size() > 64) shown.append("...");
  return absl::InvalidArgumentError(
      absl::StrCat("invalid number \"", shown, "\": ", why));
}

}  // namespace

Number::Number() = default;

Number Number::FromParts(bool negative, std::string digits, int64_t exponent) {
  size_t first = digits.find_first_not_of('0');
  Number n;
  if (first == std::string::npos) return n;  // zero
  size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int64_t>(digits.size() - 1 - last);
  n.digits_ = digits.substr(first, last - first + 1);
  n.exponent_ = exponent;
  n.negative_ = negative;
  return n;
}

Number Number::FromInt64(int64_t v) {
  uint64_t magnitude =
      v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  return FromParts(v < 0, std::to_string(magnitude), 0);
}

Number Number::FromUint64(uint64_t v) {
  return FromParts(false, std::to_string(v), 0);
}

Number Number::FromDouble(double v) {
  Number n;
  if (std::isinf(v)) {
    n.infinity_ = v < 0 ? -1 : 1;
    return n;
  }
  if (std::isnan(v) || v == 0) return n;
  uint64_t bits = std::bit_cast<uint64_t>(v);
  bool negative = (bits >> 63) != 0;
  int64_t biased = static_cast<int64_t>((bits >> 52) & 0x7FF);
  uint64_t mantissa = bits & ((uint64_t{1} << 52) - 1);
  int64_t exp2;
  if (biased == 0) {
    exp2 = -1074;  // subnormal
  } else {
    mantissa |= uint64_t{1} << 52;
    exp2 = biased - 1075;
  }
  while ((mantissa & 1) == 0) {
    mantissa >>= 1;
    ++exp2;
  }
  BigDecimal big(mantissa);
  if (exp2 >= 0) {
    big.MultiplyPower(2, exp2);
    return FromParts(negative, big.ToString(), 0);
  }
  // m * 2^-k == m * 5^k * 10^-k.
  big.MultiplyPower(5, -exp2);
  return FromParts(negative, big.ToString(), exp2);
}

absl::StatusOr<Number> Number::Parse(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  if (text.substr(i) == "Infinity") {
    Number n;
    n.infinity_ = negative ? -1 : 1;
    return n;
  }
  if (i >= text.size() || !IsDigit(text[i])) {
    return ParseError(text, "expected a digit");
  }
  std::string digits;
  if (text[i] == '0') {
    ++i;
    if (i < text.size() && IsDigit(text[i])) {
      return ParseError(text, "leading zero");
    }
  } else {
    size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    digits.assign(text.substr(start, i - start));
  }
  int64_t exponent = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == start) return ParseError(text, "expected a digit after '.'");
    digits.append(text.substr(start, i - start));
    exponent = -static_cast<int64_t>(i - start);
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    size_t start = i;
    while (i < text.size() && text[i] == '0') ++i;
    size_t significant = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == start) return ParseError(text, "expected a digit in the exponent");
    if (i - significant > 9) return ParseError(text, "exponent out of range");
    int64_t written = 0;
    for (size_t k = significant; k < i; ++k)
      written = written * 10 + (text[k] - '0');
    exponent += exp_negative ? -written : written;
  }
  if (i != text.size()) return ParseError(text, "unexpected character");
  Number n = FromParts(negative, std::move(digits), exponent);
  if (!n.digits_.empty()) {
    int64_t sci = static_cast<int64_t>(n.digits_.size()) + n.exponent_ - 1;
    if (sci > kMaxScientificExponent || sci < -kMaxScientificExponent) {
      return ParseError(text, "exponent out of range");
    }
  }
  return n;
}

bool Number::IsNegative() const { return infinity_ < 0 || negative_; }

bool Number::IsInteger() const { return infinity_ == 0 && exponent_ >= 0; }

std::optional<int64_t> Number::ToInt64() const {
  if (infinity_ != 0) return std::nullopt;
  std::optional<uint64_t> m = MagnitudeToUint64(digits_, exponent_);
  if (!m) return std::nullopt;
  constexpr uint64_t kMaxPositive = std::numeric_limits<int64_t>::max();
  if (!negative_) {
    if (*m > kMaxPositive) return std::nullopt;
    return static_cast<int64_t>(*m);
  }
  if (*m > kMaxPositive + 1) return std::nullopt;
  if (*m == kMaxPositive + 1) return std::numeric_limits<int64_t>::min();
  return -static_cast<int64_t>(*m);
}

std::optional<uint64_t> Number::ToUint64() const {
  if (infinity_ != 0 || negative_) return std::nullopt;
  return MagnitudeToUint64(digits_, exponent_);
}

double Number::ToDouble() const {
  if (infinity_ != 0) {
    return infinity_ < 0 ? -std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::infinity();
  }
  if (digits_.empty()) return 0.0;
  int64_t sci = static_cast<int64_t>(digits_.size()) + exponent_ - 1;
  std::string text;
  text.reserve(digits_.size() + 24);
  text.push_back(digits_[0]);
  if (digits_.size() > 1) {
    text.push_back('.');
    text.append(digits_, 1);
  }
  text.push_back('e');
  text.append(std::to_string(sci));
  double d = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), d);
  if (result.ec == std::errc::result_out_of_range) {
    d = sci > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  } else if (result.ec != std::errc()) {
    d = 0.0;  // unreachable: the text is well-formed
  }
  return negative_ ? -d : d;
}

std::optional<double> Number::ToExactDouble() const {
  if (infinity_ != 0 || digits_.empty()) return ToDouble();
  // Every finite double is m * 2^e with e >= -1074, whose decimal expansion
  // has at most 767 significant digits and no digit below 10^-1074.
  if (digits_.size() > 800 || exponent_ < -1074) return std::nullopt;
  int64_t sci = static_cast<int64_t>(digits_.size()) + exponent_ - 1;
  if (sci > 308) return std::nullopt;
  double d = ToDouble();
  if (std::isinf(d) || d == 0) return std::nullopt;
  if (FromDouble(d) != *this) return std::nullopt;
  return d;
}

std::string Number::ToString() const {
  if (infinity_ != 0) return infinity_ < 0 ? "-Infinity" : "Infinity";
  if (digits_.empty()) return "0";
  const int64_t n = static_cast<int64_t>(digits_.size());
  const int64_t point = n + exponent_;  // digits before the decimal point
  int64_t padding = 0;
  if (exponent_ > 0) {
    padding = exponent_;
  } else if (point <= 0) {
    padding = -point;
  }
  std::string out;
  if (negative_) out.push_back('-');
  if (padding <= kMaxPlainZeros) {
    if (exponent_ >= 0) {
      out.append(digits_);
      out.append(static_cast<size_t>(exponent_), '0');
    } else if (point > 0) {
      out.append(digits_, 0, static_cast<size_t>(point));
      out.push_back('.');
      out.append(digits_, static_cast<size_t>(point));
    } else {
      out.append("0.");
      out.append(static_cast<size_t>(-point), '0');
      out.append(digits_);
    }
    return out;
  }
  int64_t sci = point - 1;
  out.push_back(digits_[0]);
  if (n > 1) {
    out.push_back('.');
    out.append(digits_, 1);
  }
  out.append(sci < 0 ? "e-" : "e+");
  out.append(std::to_string(sci < 0 ? -sci : sci));
  return out;
}

bool Number::operator<(const Number& o) const {
  // Order: -inf < negatives < 0 < positives < +inf.
  auto rank = [](const Number& x) {
    if (x.infinity_ != 0) return x.infinity_ * 2;
    if (x.digits_.empty()) return 0;
    return x.negative_ ? -1 : 1;
  };
  int ra = rank(*this), rb = rank(o);
  if (ra != rb) return ra < rb;
  if (ra != 1 && ra != -1) return false;  // equal infinities or zeros
  // Same sign, both non-zero and finite: compare magnitudes.
  int64_t pa = static_cast<int64_t>(digits_.size()) + exponent_;
  int64_t pb = static_cast<int64_t>(o.digits_.size()) + o.exponent_;
  int cmp;
  if (pa != pb) {
    cmp = pa < pb ? -1 : 1;
  } else {
    int c = digits_.compare(o.digits_);
    cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return ra > 0 ? cmp < 0 : cmp > 0;
}

}  // namespace cvm::values
