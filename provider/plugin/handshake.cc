// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/handshake.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "provider/util/json_string.h"

namespace cvm::plugin {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Quotes `text` for a POSIX shell: '...' with each ' written as '\''.
std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

}  // namespace

std::string Base64EncodeUnpadded(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n =
        (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
        (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
        static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out.push_back(kBase64Alphabet[(n >> 18) & 63]);
    out.push_back(kBase64Alphabet[(n >> 12) & 63]);
    out.push_back(kBase64Alphabet[(n >> 6) & 63]);
    out.push_back(kBase64Alphabet[n & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i]))
                 << 16;
    out.push_back(kBase64Alphabet[(n >> 18) & 63]);
    out.push_back(kBase64Alphabet[(n >> 12) & 63]);
  } else if (rest == 2) {
    uint32_t n =
        (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
        (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8);
    out.push_back(kBase64Alphabet[(n >> 18) & 63]);
    out.push_back(kBase64Alphabet[(n >> 12) & 63]);
    out.push_back(kBase64Alphabet[(n >> 6) & 63]);
  }
  return out;
}

std::string FormatHandshakeLine(const Handshake& handshake) {
  return absl::StrCat(handshake.core_version, "|", handshake.app_version, "|",
                      handshake.network, "|", handshake.address, "|grpc|",
                      Base64EncodeUnpadded(handshake.server_cert_der), "\n");
}

std::string FormatReattachJson(const ReattachInfo& info) {
  std::string out = "{";
  util::AppendJsonString(info.provider_address, &out);
  absl::StrAppend(&out, ":{\"Protocol\":\"grpc\",\"ProtocolVersion\":6,",
                  "\"Pid\":", info.pid,
                  ",\"Test\":true,\"Addr\":{\"Network\":");
  util::AppendJsonString(info.network, &out);
  out += ",\"String\":";
  util::AppendJsonString(info.address, &out);
  out += "}}}";
  return out;
}

std::string FormatDebugInstructions(const ReattachInfo& info) {
  return absl::StrCat(
      "Provider started. To attach Terraform CLI, set the "
      "TF_REATTACH_PROVIDERS environment variable with the following:\n\n",
      "TF_REATTACH_PROVIDERS=", ShellQuote(FormatReattachJson(info)), "\n");
}

}  // namespace cvm::plugin
