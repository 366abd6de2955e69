// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// libFuzzer target for the kubeconfig parser (provider/kube/kubeconfig.h):
// parses arbitrary text as a kubeconfig (YAML or JSON, through yaml-cpp) and
// checks what ParseKubeconfig promises:
//   * it returns, never throws (yaml-cpp's exceptions stay inside the unit);
//   * an error is kInvalidArgument and its message names the origin;
//   * on success every entry carries the origin, relative paths are resolved
//     against the base directory, and an exec block has a command and a
//     supported apiVersion;
//   * merging a parsed config into itself changes nothing.
// Any violation aborts, which libFuzzer reports as a crash.
//
// Run: tests/fuzz/run-fuzzers.sh, or
//      kubeconfig_fuzzer -max_total_time=60 -dict=tests/fuzz/kubeconfig.dict \
//          <work-dir> tests/fuzz/corpus/kubeconfig

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "provider/kube/kubeconfig.h"

namespace {

using cvm::kube::Kubeconfig;
using cvm::kube::ParseKubeconfig;

constexpr char kBaseDir[] = "/fuzz/base";
constexpr char kOrigin[] = "/fuzz/base/kubeconfig";

[[noreturn]] void Fail(const char* what, absl::string_view detail) {
  std::fprintf(stderr, "kubeconfig_fuzzer: %s: %.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// A non-empty path field must be absolute: either written so or resolved.
void CheckPath(const std::string& path, const char* field) {
  if (!path.empty() && path[0] != '/') Fail("relative path kept", field);
}

void CheckConfig(const Kubeconfig& config) {
  for (const auto& [name, cluster] : config.clusters) {
    if (name.empty()) Fail("cluster without a name", "");
    if (cluster.origin != kOrigin) Fail("cluster origin", cluster.origin);
    CheckPath(cluster.certificate_authority, "certificate-authority");
  }
  for (const auto& [name, user] : config.users) {
    if (name.empty()) Fail("user without a name", "");
    if (user.origin != kOrigin) Fail("user origin", user.origin);
    CheckPath(user.token_file, "tokenFile");
    CheckPath(user.client_certificate, "client-certificate");
    CheckPath(user.client_key, "client-key");
    if (user.exec.has_value()) {
      if (user.exec->command.empty()) Fail("exec without command", name);
      if (user.exec->api_version != "client.authentication.k8s.io/v1" &&
          user.exec->api_version != "client.authentication.k8s.io/v1beta1") {
        Fail("exec apiVersion not checked", user.exec->api_version);
      }
    }
  }
  for (const auto& [name, context] : config.contexts) {
    if (name.empty()) Fail("context without a name", "");
    if (context.origin != kOrigin) Fail("context origin", context.origin);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Kubeconfig> config = ParseKubeconfig(text, kBaseDir, kOrigin);
  if (!config.ok()) {
    if (config.status().code() != absl::StatusCode::kInvalidArgument) {
      Fail("unexpected status code", config.status().ToString());
    }
    if (!absl::StrContains(config.status().message(), kOrigin)) {
      Fail("error does not name the file", config.status().message());
    }
    return 0;
  }
  CheckConfig(*config);
  Kubeconfig merged = *config;
  cvm::kube::MergeKubeconfig(*config, merged);
  if (merged.clusters.size() != config->clusters.size() ||
      merged.users.size() != config->users.size() ||
      merged.contexts.size() != config->contexts.size() ||
      merged.current_context != config->current_context) {
    Fail("self-merge changed the config", "");
  }
  return 0;
}
