// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/validators.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <regex>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "provider/resources/quantity.h"
#include "provider/values/value.h"

namespace cvm::resources {
namespace {

using values::Type;
using values::Value;

absl::Status NotAString() {
  return absl::InvalidArgumentError("expected a string");
}

bool IsDnsLabelText(absl::string_view s, size_t max_length) {
  if (s.empty() || s.size() > max_length) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(c == '-' && i != 0 && i + 1 != s.size())) return false;
  }
  return true;
}

bool IsQualifiedName(absl::string_view key) {
  // [prefix/]name; prefix a DNS subdomain, name 1-63 of [A-Za-z0-9._-]
  // starting and ending alphanumeric.
  absl::string_view name = key;
  const size_t slash = key.find('/');
  if (slash != absl::string_view::npos) {
    absl::string_view prefix = key.substr(0, slash);
    if (prefix.empty() || prefix.size() > 253) return false;
    for (absl::string_view part : absl::StrSplit(prefix, '.')) {
      if (!IsDnsLabelText(part, 63)) return false;
    }
    name = key.substr(slash + 1);
  }
  if (name.empty() || name.size() > 63) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    const bool edge = i == 0 || i + 1 == name.size();
    if (!alnum && (edge || (c != '-' && c != '_' && c != '.'))) return false;
  }
  return true;
}

absl::Status InvalidKey(absl::string_view key) {
  return absl::InvalidArgumentError(absl::StrCat(
      "key ", QuoteValue(key),
      " is not a valid Kubernetes label or annotation "
      "key: use [prefix/]name with a DNS-subdomain prefix and a name of "
      "at most 63 letters, digits, '-', '_' or '.'"));
}

}  // namespace

bool IsLabelValue(absl::string_view value) {
  // Empty, or 1-63 of [A-Za-z0-9._-] starting and ending alphanumeric
  // (apimachinery's IsValidLabelValue).
  if (value.size() > 63) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool alnum = absl::ascii_isalnum(static_cast<unsigned char>(c));
    const bool edge = i == 0 || i + 1 == value.size();
    if (!alnum && (edge || (c != '-' && c != '_' && c != '.'))) return false;
  }
  return true;
}

schema::Validator OneOf(
    std::vector<std::string> allowed,
    std::vector<std::pair<std::string, std::string>> rejected) {
  return [allowed = std::move(allowed),
          rejected = std::move(rejected)](const Value& v) -> absl::Status {
    if (v.type() != Type::String()) return NotAString();
    for (const std::string& a : allowed) {
      if (v.AsString() == a) return absl::OkStatus();
    }
    for (const auto& [value, reason] : rejected) {
      if (v.AsString() == value) {
        return absl::InvalidArgumentError(
            absl::StrCat(QuoteValue(value), " is not supported: ", reason));
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat(QuoteValue(v.AsString()), " is not one of: \"",
                     absl::StrJoin(allowed, "\", \""), "\""));
  };
}

schema::Validator IsQuantity() {
  return [](const Value& v) -> absl::Status {
    if (v.type() != Type::String()) return NotAString();
    absl::StatusOr<long double> q = ParseQuantity(v.AsString());
    if (!q.ok()) return q.status();
    // The kubelet and envbox read limits as 64-bit integers (bytes, or
    // milli-cores); a larger amount is no real limit and would overflow.
    if (!std::isfinite(*q) || *q > 9.2233720368547758e15L) {
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteValue(v.AsString()),
          " is too large for a resource amount (at most 2^63-1 milli-units; "
          "use e.g. 64 for CPU or 256Gi for memory)"));
    }
    return absl::OkStatus();
  };
}

schema::Validator IsDnsLabel(size_t max_length) {
  return [max_length](const Value& v) -> absl::Status {
    if (v.type() != Type::String()) return NotAString();
    if (IsDnsLabelText(v.AsString(), max_length)) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteValue(v.AsString()), " is not a valid name: use at most ", max_length,
        " lowercase letters, digits and '-', starting and ending with a letter "
        "or digit (RFC 1123 label), e.g. \"dev-1\""));
  };
}

schema::Validator IsDnsSubdomain() {
  return [](const Value& v) -> absl::Status {
    if (v.type() != Type::String()) return NotAString();
    const std::string& s = v.AsString();
    bool ok = !s.empty() && s.size() <= 253;
    if (ok) {
      for (absl::string_view part : absl::StrSplit(s, '.')) {
        ok = ok && IsDnsLabelText(part, 63);
      }
    }
    if (ok) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteValue(s),
        " is not a valid Kubernetes name: use lowercase letters, "
        "digits, '-' and '.', at most 253 characters (RFC 1123 subdomain)"));
  };
}

schema::Validator IsLabelKey() {
  return [](const Value& v) -> absl::Status {
    if (!v.IsKnown() || v.type() != Type::String()) return absl::OkStatus();
    if (IsQualifiedName(v.AsString())) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteValue(v.AsString()),
        " is not a valid Kubernetes label key: [prefix/]name, the name at "
        "most 63 letters, digits, '-', '_' or '.' starting and ending with a "
        "letter or digit, the prefix a DNS subdomain (e.g. "
        "\"kubernetes.io/hostname\")"));
  };
}

schema::Validator IsLabelMap() {
  return [](const Value& v) -> absl::Status {
    if (!v.IsKnown()) return absl::OkStatus();
    for (const auto& [key, value] : v.Entries()) {
      if (!IsQualifiedName(key)) return InvalidKey(key);
      if (!value.IsKnown() || value.type() != Type::String()) continue;
      const std::string& text = value.AsString();
      if (IsLabelValue(text)) continue;
      // QuoteValue gives the length of a value it cuts.
      const std::string length =
          text.size() > 63 && QuoteValue(text).size() == text.size() + 2
              ? absl::StrCat(" (", text.size(), " characters, over 63)")
              : "";
      return absl::InvalidArgumentError(absl::StrCat(
          "the value of key ", QuoteValue(key), ", ", QuoteValue(text), length,
          ", is not a valid Kubernetes label value: use at most 63 letters, "
          "digits, '-', '_' or '.', starting and ending with a letter or "
          "digit (e.g. \"v1.2-beta\"), or an empty string"));
    }
    return absl::OkStatus();
  };
}

namespace {

bool IsEnvNameText(absl::string_view key) {
  return !key.empty() && !absl::ascii_isdigit(key[0]) &&
         absl::c_all_of(key, [](char c) {
           return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
         });
}

absl::Status InvalidEnvName(absl::string_view what, absl::string_view name) {
  return absl::InvalidArgumentError(absl::StrCat(
      what, QuoteValue(name),
      " is not a valid environment variable name: use letters, digits, "
      "'_', '-' and '.', not starting with a digit (e.g. \"MY_VAR\")"));
}

}  // namespace

schema::Validator IsEnvMap() {
  return [](const Value& v) -> absl::Status {
    if (!v.IsKnown()) return absl::OkStatus();
    for (const auto& [key, value] : v.Entries()) {
      if (!IsEnvNameText(key)) return InvalidEnvName("key ", key);
    }
    return absl::OkStatus();
  };
}

schema::Validator IsEnvName() {
  return [](const Value& v) -> absl::Status {
    if (!v.IsKnown() || v.type() != Type::String()) return absl::OkStatus();
    if (IsEnvNameText(v.AsString())) return absl::OkStatus();
    return InvalidEnvName("", v.AsString());
  };
}

schema::Validator IsConfigKey() {
  return [](const Value& v) -> absl::Status {
    if (!v.IsKnown() || v.type() != Type::String()) return absl::OkStatus();
    const std::string& s = v.AsString();
    const bool valid =
        !s.empty() && s.size() <= 253 && s != "." && s != ".." &&
        absl::c_all_of(s, [](char c) {
          return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
        });
    if (valid) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteValue(s),
        " is not a valid Secret or ConfigMap key: use at most 253 letters, "
        "digits, '-', '_' or '.' (e.g. \"token\")"));
  };
}

schema::Validator IsAnnotationMap(size_t reserved_bytes) {
  return [reserved_bytes](const Value& v) -> absl::Status {
    if (!v.IsKnown()) return absl::OkStatus();
    size_t total = 0;
    const std::string* largest_key = nullptr;
    const std::string* largest_value = nullptr;
    size_t largest = 0;
    for (const auto& [key, value] : v.Entries()) {
      if (!IsQualifiedName(key)) return InvalidKey(key);
      size_t size = key.size();
      const bool known = value.IsKnown() && value.type() == Type::String();
      if (known) size += value.AsString().size();
      total += size;
      if (largest_key == nullptr || size > largest) {
        largest = size;
        largest_key = &key;
        largest_value = known ? &value.AsString() : nullptr;
      }
    }
    const size_t limit = kTotalAnnotationSizeLimit > reserved_bytes
                             ? kTotalAnnotationSizeLimit - reserved_bytes
                             : 0;
    if (total <= limit) return absl::OkStatus();
    const std::string reserved =
        reserved_bytes == 0 ? ""
                            : absl::StrCat(" and the provider adds ",
                                           reserved_bytes, " bytes of its own");
    return absl::InvalidArgumentError(absl::StrCat(
        "the annotations take ", total,
        " bytes (all keys plus all values), over the limit of ", limit,
        " bytes: Kubernetes allows ", kTotalAnnotationSizeLimit,
        " bytes (256 KiB) per object", reserved,
        ". Remove annotations or shorten their values, or keep large data in "
        "a ConfigMap instead; the largest annotation, ",
        largest, " bytes, is key ", QuoteValue(*largest_key),
        largest_value == nullptr
            ? std::string()
            : absl::StrCat(" with value ", QuoteValue(*largest_value))));
  };
}

schema::Validator IsDockerBridgeCidr(int max_prefix) {
  return [max_prefix](const Value& v) -> absl::Status {
    if (v.type() != Type::String()) return NotAString();
    const std::string& s = v.AsString();
    if (s.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(QuoteValue(s),
                       " is an IPv6 network; envbox's Docker bridge supports "
                       "IPv4 only (an IPv6 value makes envbox panic). Use e.g. "
                       "\"172.19.0.0/30\""));
    }
    static const std::regex kCidr(
        R"(^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})$)");
    std::smatch m;
    if (!std::regex_match(s, m, kCidr)) {
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteValue(s), " is not an IPv4 CIDR such as \"172.19.0.0/30\""));
    }
    uint32_t addr = 0;
    for (int i = 1; i <= 4; ++i) {
      // Go's net.ParseCIDR, which envbox uses, rejects leading zeros (and
      // envbox then panics).
      if (m[i].length() > 1 && m[i].str()[0] == '0') {
        return absl::InvalidArgumentError(absl::StrCat(
            QuoteValue(s), " is not an IPv4 CIDR: octet \"", m[i].str(),
            "\" has a leading zero; write it without, e.g. \"172.19.0.0/30\""));
      }
      int octet = std::stoi(m[i].str());
      if (octet > 255) {
        return absl::InvalidArgumentError(
            absl::StrCat(QuoteValue(s), " is not an IPv4 CIDR: octet ", octet,
                         " exceeds 255; use e.g. \"172.19.0.0/30\""));
      }
      addr = (addr << 8) | static_cast<uint32_t>(octet);
    }
    if (m[5].length() > 1 && m[5].str()[0] == '0') {
      return absl::InvalidArgumentError(
          absl::StrCat(QuoteValue(s),
                       " is not an IPv4 CIDR: the prefix has a leading zero; "
                       "write it without, e.g. \"172.19.0.0/30\""));
    }
    const int prefix = std::stoi(m[5].str());
    if (prefix > 32) {
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteValue(s), " has a prefix longer than /32; use a /", max_prefix,
          " or larger network (e.g. \"172.19.0.0/30\")"));
    }
    if (prefix > max_prefix) {
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteValue(s),
          " is too small: the bridge needs at least 2 hosts, so use a /",
          max_prefix, " or larger network (e.g. \"172.19.0.0/30\")"));
    }
    // Overlap with 172.17.0.0/16 (Docker's default bridge inside the CVM).
    const uint32_t docker = 0xAC110000u;  // 172.17.0.0
    const int common = std::min(prefix, 16);
    const uint32_t mask = common == 0 ? 0 : ~0u << (32 - common);
    if ((addr & mask) == (docker & mask)) {
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteValue(s),
          " overlaps 172.17.0.0/16, the default bridge of the Docker "
          "daemon inside the workspace; choose another range such as "
          "172.19.0.0/30"));
    }
    return absl::OkStatus();
  };
}

absl::StatusOr<ImageReference> ParseImageReference(absl::string_view text) {
  auto invalid = [&text](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteValue(text), " is not a valid image reference (", why,
        "); write registry/repository:tag or registry/repository@sha256:..., "
        "e.g. \"ghcr.io/coder/envbox:0.6.7\""));
  };
  if (text.empty()) return invalid("it is empty");
  if (text.size() > 1024) return invalid("it is too long");
  ImageReference ref;
  absl::string_view rest = text;
  const size_t at = rest.find('@');
  if (at != absl::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    static const std::regex kDigest(
        "^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$");
    if (!std::regex_match(ref.digest, kDigest)) return invalid("bad digest");
  }
  const size_t last_slash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos &&
      (last_slash == absl::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    static const std::regex kTag("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");
    if (!std::regex_match(ref.tag, kTag)) return invalid("bad tag");
  }
  const size_t first_slash = rest.find('/');
  if (first_slash != absl::string_view::npos) {
    absl::string_view first = rest.substr(0, first_slash);
    if (first.find('.') != absl::string_view::npos ||
        first.find(':') != absl::string_view::npos || first == "localhost") {
      ref.registry = std::string(first);
      rest = rest.substr(first_slash + 1);
      static const std::regex kHost(R"(^[A-Za-z0-9.-]+(:[0-9]+)?$)");
      if (!std::regex_match(ref.registry, kHost))
        return invalid("bad registry host");
    }
  }
  ref.repository = std::string(rest);
  static const std::regex kRepo(
      "^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/"
      "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$");
  if (!std::regex_match(ref.repository, kRepo)) {
    return invalid(
        "the repository must be lowercase letters, digits and separators");
  }
  return ref;
}

schema::Validator IsImageReference() {
  return [](const Value& v) -> absl::Status {
    if (v.type() != Type::String()) return NotAString();
    return ParseImageReference(v.AsString()).status();
  };
}

schema::Validator IsMountPath() {
  return [](const Value& v) -> absl::Status {
    if (v.type() != Type::String()) return NotAString();
    const std::string& s = v.AsString();
    if (s.empty() || s[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteValue(s), " must be an absolute path such as \"/home/coder\""));
    }
    if (s.find_first_of(",:") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteValue(s),
          " contains ',' or ':', which separate entries in envbox's "
          "CODER_MOUNTS; rename the path"));
    }
    // Only clean paths: the /tmp and private-path rules compare prefixes,
    // which "/opt/../tmp" or "/var/lib//docker" would slip past.
    const char kExample[] = ", e.g. \"/home/coder/projects\"";
    if (s == "/") {
      return absl::InvalidArgumentError(
          absl::StrCat(QuoteValue(s), " must name a directory below /", kExample));
    }
    if (s.back() == '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          QuoteValue(s), " ends with '/'; write the path without it", kExample));
    }
    for (absl::string_view part :
         absl::StrSplit(absl::string_view(s).substr(1), '/')) {
      absl::string_view problem;
      if (part.empty()) {
        problem = "has an empty path component ('//')";
      } else if (part == "." || part == "..") {
        problem = part == "." ? "contains a '.' component"
                              : "contains a '..' component";
      } else {
        continue;
      }
      return absl::InvalidArgumentError(
          absl::StrCat(QuoteValue(s), " ", problem,
                       "; write the path in its plain form", kExample));
    }
    return absl::OkStatus();
  };
}

schema::Validator IsPosixUsername() {
  return [](const Value& v) -> absl::Status {
    if (v.type() != Type::String()) return NotAString();
    static const std::regex kUser(R"(^[a-z_][a-z0-9_-]*\$?$)");
    const std::string& s = v.AsString();
    if (s.size() <= 32 && std::regex_match(s, kUser)) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteValue(s),
        " is not a POSIX user name: use at most 32 lowercase letters, "
        "digits, '_' or '-', starting with a letter or '_' (e.g. \"coder\")"));
  };
}

schema::Validator IsIntInRange(int64_t min, int64_t max) {
  return [min, max](const Value& v) -> absl::Status {
    if (v.type() != Type::Number())
      return absl::InvalidArgumentError("expected a number");
    std::optional<int64_t> n = v.AsNumber().ToInt64();
    if (!n || *n < min || *n > max) {
      return absl::InvalidArgumentError(
          absl::StrCat(v.AsNumber().ToString(), " must be a whole number from ",
                       min, " to ", max));
    }
    return absl::OkStatus();
  };
}

}  // namespace cvm::resources
