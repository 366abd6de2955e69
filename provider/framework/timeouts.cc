// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/timeouts.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/framework/diagnostics.h"
#include "provider/framework/value_access.h"

namespace cvm::framework {

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  auto invalid = [&text]() {
    return absl::InvalidArgumentError(
        absl::StrCat(QuoteValue(text),
                     " is not a duration: use a number with a unit, such as "
                     "\"30s\", \"10m\" or \"1h30m\""));
  };
  if (text.empty()) return invalid();
  auto is_number_char = [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  };
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    while (i < text.size() && is_number_char(text[i])) ++i;
    if (i == start) return invalid();
    double amount = 0;
    if (!absl::SimpleAtod(text.substr(start, i - start), &amount)) {
      return invalid();
    }
    const size_t unit_start = i;
    while (i < text.size() && !is_number_char(text[i])) ++i;
    const absl::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit == "h") {
      total += amount * 3600;
    } else if (unit == "m") {
      total += amount * 60;
    } else if (unit == "s") {
      total += amount;
    } else if (unit == "ms") {
      total += amount / 1e3;
    } else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") {
      total += amount / 1e6;
    } else if (unit == "ns") {
      total += amount / 1e9;
    } else {
      return invalid();
    }
  }
  return absl::Seconds(total);
}

schema::Validator IsDuration() {
  return [](const values::Value& v) -> absl::Status {
    if (v.type() != values::Type::String()) {
      return absl::InvalidArgumentError("must be a string");
    }
    return ParseDuration(v.AsString()).status();
  };
}

schema::NestedBlock TimeoutsBlock(const std::vector<OperationTimeout>& ops) {
  schema::NestedBlock timeouts;
  timeouts.type_name = "timeouts";
  timeouts.nesting = schema::NestedBlock::Nesting::kSingle;
  timeouts.block.description = "How long operations may take.";
  for (const OperationTimeout& op : ops) {
    timeouts.block.attributes.push_back(
        schema::Attribute(op.operation, values::Type::String())
            .Optional()
            .Validate(IsDuration())
            .DescribeMarkdown(absl::StrCat("Default `", op.default_text, "`",
                                           op.note.empty() ? "" : " ", op.note,
                                           ".")));
  }
  return timeouts;
}

absl::Duration TimeoutOf(const values::Value& object, const char* op,
                         absl::Duration fallback) {
  if (auto text = StringAttr(Attr(object, "timeouts"), op)) {
    absl::StatusOr<absl::Duration> d = ParseDuration(*text);
    if (d.ok()) return *d;
  }
  return fallback;
}

std::string TimeoutName(const values::Value& object, const char* op,
                        const char* default_text) {
  return absl::StrCat(
      "timeouts.", op, " (",
      StringAttr(Attr(object, "timeouts"), op).value_or(default_text), ")");
}

}  // namespace cvm::framework
