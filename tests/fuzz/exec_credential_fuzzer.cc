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

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
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

void CheckError(const absl::Status& status, absl::string_view text,
                const std::string& expected_version) {
  if (status.code() != absl::StatusCode::kUnauthenticated) {
    Fail("unexpected status code", status.ToString());
  }
  json root = json::parse(text.begin(), text.end(), nullptr, false);
  if (root.is_discarded() || !root.is_object()) return;
  auto st = root.find("status");
  if (st == root.end()) return;
  for (const char* key : {"token", "clientKeyData"}) {
    std::string secret = Str(*st, key);
    // Short values also occur in the fixed message text by chance.
    if (secret.size() < 8) continue;
    if (!absl::StrContains(status.message(), secret)) continue;
    // The message may contain the secret's text without coming from the
    // field: inside a value it quotes (apiVersion, kind, expiry, the
    // expected version), or in its own words, which the fuzzer learns from
    // this very comparison. A leak only if the message stops containing it
    // once the field holds something else.
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
