// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// libFuzzer target for the ExecCredential parser
// (provider/kube/exec_credential.h): parses arbitrary bytes as a credential
// plugin's stdout, for both supported apiVersions, and checks the contract:
//   * an error is kUnauthenticated and its message never contains the
//     credential's secrets (status.token, status.clientKeyData);
//   * on success there is a token or a certificate/key pair, and certificate
//     and key come together.
// Any violation aborts, which libFuzzer reports as a crash.
//
// Run: tests/fuzz/run-fuzzers.sh, or
//      exec_credential_fuzzer -max_total_time=60 \
//          -dict=tests/fuzz/exec_credential.dict <work-dir> \
//          tests/fuzz/corpus/exec_credential

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "provider/kube/exec_credential.h"

namespace {

using cvm::kube::ExecCredential;
using cvm::kube::ParseExecCredential;
using nlohmann::json;

[[noreturn]] void Fail(const char* what, absl::string_view detail) {
  std::fprintf(stderr, "exec_credential_fuzzer: %s: %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

std::string Str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// The error message cut into the pieces between the strings it may
// legitimately quote: the input's apiVersion, kind and expirationTimestamp,
// and the version that was expected. A secret that overlaps one of those is
// not a leak. Cutting (not deleting) keeps the text on either side of a
// quoted string apart, so no new text forms where one was removed (a token
// "s not a valid : ap" is in "...not a valid ExecCredential: ap..." only
// once "ExecCredential" is deleted).
std::vector<std::string> PiecesWithoutQuotable(
    const absl::Status& status, const json& root,
    const std::string& expected_version) {
  const json* st = nullptr;
  if (auto it = root.find("status"); it != root.end()) st = &*it;
  std::vector<std::string> quotable = {
      Str(root, "apiVersion"), Str(root, "kind"),
      st ? Str(*st, "expirationTimestamp") : std::string(), expected_version};
  // Longest first, so a short one never cuts through a longer one.
  std::sort(quotable.begin(), quotable.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  std::vector<std::string> pieces = {std::string(status.message())};
  for (const std::string& s : quotable) {
    if (s.empty()) continue;
    std::vector<std::string> next;
    for (const std::string& piece : pieces) {
      for (absl::string_view part : absl::StrSplit(piece, s)) {
        next.emplace_back(part);
      }
    }
    pieces = std::move(next);
  }
  return pieces;
}

void CheckError(const absl::Status& status, absl::string_view text,
                const std::string& expected_version) {
  if (status.code() != absl::StatusCode::kUnauthenticated) {
    Fail("unexpected status code", status.ToString());
  }
  json root = json::parse(text.begin(), text.end(), nullptr, false);
  if (root.is_discarded() || !root.is_object()) return;
  auto st = root.find("status");
  if (st == root.end()) return;
  const std::vector<std::string> pieces =
      PiecesWithoutQuotable(status, root, expected_version);
  for (const char* key : {"token", "clientKeyData"}) {
    std::string secret = Str(*st, key);
    // Short values also occur in the fixed message text by chance.
    if (secret.size() < 8) continue;
    bool found = false;
    for (const std::string& piece : pieces) {
      found = found || absl::StrContains(piece, secret);
    }
    if (!found) continue;
    // The fuzzer learns the message's own words from this very comparison
    // and may make a secret of them: a leak only if the message stops
    // containing it once the field holds something else.
    json other = root;
    other["status"][key] = "cvm-fuzz-other-value";
    absl::StatusOr<ExecCredential> again =
        ParseExecCredential(other.dump(), expected_version);
    if (!again.ok() && absl::StrContains(again.status().message(), secret)) {
      continue;
    }
    Fail("error message contains a secret", status.message());
  }
}

void CheckCredential(const ExecCredential& cred) {
  if (cred.token.empty() && cred.client_certificate_pem.empty()) {
    Fail("credential without token or certificate", "");
  }
  if (cred.client_certificate_pem.empty() != cred.client_key_pem.empty()) {
    Fail("certificate without key or key without certificate", "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* version : {"client.authentication.k8s.io/v1",
                              "client.authentication.k8s.io/v1beta1"}) {
    absl::StatusOr<ExecCredential> cred = ParseExecCredential(text, version);
    if (cred.ok()) {
      CheckCredential(*cred);
    } else {
      CheckError(cred.status(), text, version);
    }
  }
  return 0;
}
