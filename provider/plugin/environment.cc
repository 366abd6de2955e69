// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/environment.h"

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace cvm::plugin {
namespace {

// Parses a non-negative decimal integer (no sign, no blanks) into `out`.
bool ParseNonNegative(absl::string_view text, int* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, out);
}

absl::StatusOr<int> ParsePort(const char* name, std::string_view text) {
  absl::string_view trimmed =
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  if (trimmed.empty()) return 0;
  int port = 0;
  if (!ParseNonNegative(trimmed, &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " is not a port number in [0, 65535]: \"", trimmed, "\""));
  }
  return port;
}

}  // namespace

absl::StatusOr<std::set<int>> ParseProtocolVersions(std::string_view text) {
  std::set<int> versions;
  absl::string_view all =
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  if (all.empty()) return versions;
  for (absl::string_view entry : absl::StrSplit(all, ',')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(entry);
    int version = 0;
    if (!ParseNonNegative(trimmed, &version)) {
      return absl::InvalidArgumentError(
          absl::StrCat("PLUGIN_PROTOCOL_VERSIONS has an invalid entry \"",
                       trimmed, "\" in \"", all, "\""));
    }
    versions.insert(version);
  }
  return versions;
}

absl::StatusOr<PortRange> ParsePortRange(std::string_view min_text,
                                         std::string_view max_text) {
  absl::StatusOr<int> min = ParsePort("PLUGIN_MIN_PORT", min_text);
  if (!min.ok()) return min.status();
  absl::StatusOr<int> max = ParsePort("PLUGIN_MAX_PORT", max_text);
  if (!max.ok()) return max.status();
  if (*min > *max) {
    return absl::InvalidArgumentError(
        absl::StrCat("PLUGIN_MIN_PORT value of ", *min,
                     " is greater than PLUGIN_MAX_PORT value of ", *max));
  }
  return PortRange{*min, *max};
}

std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace cvm::plugin
