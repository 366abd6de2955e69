// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// client-go credential plugins ("exec"): running the command with
// KUBERNETES_EXEC_INFO and parsing the ExecCredential it prints
// (client.authentication.k8s.io/v1 and v1beta1). Caching lives in
// Authenticator (authenticator.h). Part of kube/.

#ifndef CVM_PROVIDER_KUBE_EXEC_CREDENTIAL_H_
#define CVM_PROVIDER_KUBE_EXEC_CREDENTIAL_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "provider/kube/cancel.h"
#include "provider/kube/config.h"

namespace cvm::kube {

// ExecCredential.status. Holds secrets: never log it.
struct ExecCredential {
  std::string token;
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::optional<absl::Time> expiration;  // nullopt: valid until a 401
};

// Parses a plugin's stdout. Errors (kUnauthenticated, message without any
// credential text): not JSON; apiVersion differs from `api_version`; kind is
// not ExecCredential; no status; neither a token nor a certificate/key pair;
// a certificate without key or vice versa; an expirationTimestamp that is
// not RFC 3339.
absl::StatusOr<ExecCredential> ParseExecCredential(
    absl::string_view output, absl::string_view api_version);

// The KUBERNETES_EXEC_INFO value for `exec` (spec.interactive = false, and
// spec.cluster from `config` when exec.provide_cluster_info).
std::string ExecInfoJson(const ExecConfig& exec, const RestConfig& config);

// Runs the plugin with its args, the process environment plus exec.env and
// KUBERNETES_EXEC_INFO = `exec_info`, stdin from /dev/null, and returns its
// stdout. The child is killed when `deadline` passes or `cancel` fires.
// Errors:
//   kFailedPrecondition: the command cannot be started (message includes
//     the install hint);
//   kUnauthenticated: it exited non-zero or by a signal (message includes
//     the first 512 bytes of its stderr);
//   kDeadlineExceeded / kCancelled: killed for the deadline / cancel;
//   kResourceExhausted: stdout larger than 1 MiB.
// Thread-safe (no shared state).
absl::StatusOr<std::string> RunExecPlugin(const ExecConfig& exec,
                                          const std::string& exec_info,
                                          absl::Time deadline,
                                          const CancelToken* cancel);

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_EXEC_CREDENTIAL_H_
