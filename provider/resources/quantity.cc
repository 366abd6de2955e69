// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/quantity.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "provider/resources/validators.h"

namespace cvm::resources {
namespace {

absl::Status Invalid(absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      QuoteValue(text),
      " is not a Kubernetes quantity: use a non-negative number with an "
      "optional suffix, such as 500m, 2, 4Gi or 4G"));
}

}  // namespace

absl::StatusOr<long double> ParseQuantity(absl::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '+') ++i;
  const size_t number_start = i;
  bool digits = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    ++i;
    digits = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ++i;
      digits = true;
    }
  }
  if (!digits) return Invalid(text);
  const std::string number(text.substr(number_start, i - number_start));
  const absl::string_view suffix = text.substr(i);
  long double multiplier = 1;
  if (suffix.empty()) {
  } else if (suffix == "n") {
    multiplier = 1e-9L;
  } else if (suffix == "u") {
    multiplier = 1e-6L;
  } else if (suffix == "m") {
    multiplier = 1e-3L;
  } else if (suffix == "k") {
    multiplier = 1e3L;
  } else if (suffix == "M") {
    multiplier = 1e6L;
  } else if (suffix == "G") {
    multiplier = 1e9L;
  } else if (suffix == "T") {
    multiplier = 1e12L;
  } else if (suffix == "P") {
    multiplier = 1e15L;
  } else if (suffix == "E") {
    multiplier = 1e18L;
  } else if (suffix == "Ki") {
    multiplier = 1024.0L;
  } else if (suffix == "Mi") {
    multiplier = 1024.0L * 1024;
  } else if (suffix == "Gi") {
    multiplier = 1024.0L * 1024 * 1024;
  } else if (suffix == "Ti") {
    multiplier = 1024.0L * 1024 * 1024 * 1024;
  } else if (suffix == "Pi") {
    multiplier = 1024.0L * 1024 * 1024 * 1024 * 1024;
  } else if (suffix == "Ei") {
    multiplier = 1024.0L * 1024 * 1024 * 1024 * 1024 * 1024;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    size_t j = 1;
    bool negative = false;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) {
      negative = suffix[j] == '-';
      ++j;
    }
    if (j >= suffix.size() || suffix.size() - j > 3) return Invalid(text);
    int exponent = 0;
    for (; j < suffix.size(); ++j) {
      if (suffix[j] < '0' || suffix[j] > '9') return Invalid(text);
      exponent = exponent * 10 + (suffix[j] - '0');
    }
    multiplier = std::pow(10.0L, negative ? -exponent : exponent);
  } else {
    return Invalid(text);
  }
  return std::strtold(number.c_str(), nullptr) * multiplier;
}

bool QuantitiesEqual(absl::string_view a, absl::string_view b) {
  if (a == b) return true;
  absl::StatusOr<long double> qa = ParseQuantity(a);
  absl::StatusOr<long double> qb = ParseQuantity(b);
  if (!qa.ok() || !qb.ok()) return false;
  const long double scale = std::max(std::fabs(*qa), std::fabs(*qb));
  return std::fabs(*qa - *qb) <= scale * 1e-15L;
}

}  // namespace cvm::resources
