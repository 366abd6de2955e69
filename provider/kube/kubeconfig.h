// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// kubeconfig files: parsing (yaml-cpp, whose exceptions never leave this
// unit) and kubectl-style merging of several files. ResolveConfig
// (config.h) is the caller; the types are public for tests. Part of kube/.

#ifndef CVM_PROVIDER_KUBE_KUBECONFIG_H_
#define CVM_PROVIDER_KUBE_KUBECONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/kube/config.h"

namespace cvm::kube {

// clusters[].cluster. File paths are absolute (resolved against the
// kubeconfig's directory); *_data fields are decoded (PEM text).
struct KubeconfigCluster {
  std::string server;
  std::string certificate_authority;       // file path
  std::string certificate_authority_data;  // PEM
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string proxy_url;
  std::string origin;  // the file that defined it
};

// users[].user.
struct KubeconfigUser {
  std::string token;
  std::string token_file;               // path
  std::string client_certificate;       // path
  std::string client_certificate_data;  // PEM
  std::string client_key;               // path
  std::string client_key_data;          // PEM
  std::optional<ExecConfig> exec;
  std::string auth_provider;  // name of a legacy auth-provider, if any
  bool basic_auth = false;    // username/password present (unsupported)
  std::string origin;
};

// contexts[].context.
struct KubeconfigContext {
  std::string cluster;
  std::string user;
  std::string ns;
  std::string origin;
};

// One kubeconfig file, or the merge of several. Plain value.
struct Kubeconfig {
  std::string current_context;
  std::map<std::string, KubeconfigCluster> clusters;
  std::map<std::string, KubeconfigUser> users;
  std::map<std::string, KubeconfigContext> contexts;
};

// Parses kubeconfig text (YAML or JSON). `base_dir` resolves relative paths;
// `origin` names the file in messages. Within one file the first entry of a
// name wins. Errors: kInvalidArgument for YAML syntax errors, wrong shapes
// (e.g. clusters not a list), bad base64 in *-data, exec blocks without
// command or with an unsupported apiVersion, and files of more than 2^18
// YAML nodes once aliases are expanded; each message names `origin`.
absl::StatusOr<Kubeconfig> ParseKubeconfig(absl::string_view text,
                                           absl::string_view base_dir,
                                           absl::string_view origin);

// Reads and parses one file. kNotFound when it does not exist or cannot be
// read, else as ParseKubeconfig.
absl::StatusOr<Kubeconfig> LoadKubeconfigFile(const std::string& path);

// Loads `paths` in order and merges them as kubectl does: first definition
// of each cluster/user/context name wins; current-context is the first
// non-empty one. Empty paths are skipped. Errors as LoadKubeconfigFile.
absl::StatusOr<Kubeconfig> LoadMergedKubeconfig(
    const std::vector<std::string>& paths);

// Merges `from` into `into` with first-wins rules (as above).
void MergeKubeconfig(const Kubeconfig& from, Kubeconfig& into);

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_KUBECONFIG_H_
