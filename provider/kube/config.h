// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Connection configuration: from the provider block (ConfigOptions, same
// names as hashicorp/kubernetes), the KUBE_* environment variables,
// kubeconfig files and the in-cluster service account, to one RestConfig
// that Client::Create accepts. Part of kube/.
//
// Resolution order (ResolveConfig):
//  1. Every option left unset is filled from its KUBE_* variable:
//     config_path KUBE_CONFIG_PATH, config_paths KUBE_CONFIG_PATHS
//     (':'-separated), config_context KUBE_CTX, config_context_auth_info
//     KUBE_CTX_AUTH_INFO, config_context_cluster KUBE_CTX_CLUSTER, host
//     KUBE_HOST, token KUBE_TOKEN, insecure KUBE_INSECURE, tls_server_name
//     KUBE_TLS_SERVER_NAME, client_certificate KUBE_CLIENT_CERT_DATA,
//     client_key KUBE_CLIENT_KEY_DATA, cluster_ca_certificate
//     KUBE_CLUSTER_CA_CERT_DATA, proxy_url KUBE_PROXY_URL.
//     KUBECONFIG is deliberately NOT read (as in hashicorp/kubernetes): a
//     kubeconfig is used only when config_path(s) or KUBE_CONFIG_PATH(S)
//     name it, so a CI runner's ambient kubeconfig is never picked up.
//  2. With config_path and/or config_paths (config_path first), the files
//     are merged as kubectl merges them: for clusters, users and contexts
//     the first file that defines a name wins; current-context comes from
//     the first file that sets one. The context is config_context or
//     current-context; config_context_cluster / config_context_auth_info
//     replace the context's cluster / user. Relative file paths inside a
//     kubeconfig are relative to that file's directory.
//  3. Without kubeconfig and without host, when KUBERNETES_SERVICE_HOST and
//     KUBERNETES_SERVICE_PORT are set: the in-cluster service account
//     (token file, re-read when it rotates, and ca.crt).
//  4. Explicit options override what steps 2-3 produced, field by field:
//     host, cluster_ca_certificate (also clears a kubeconfig insecure flag),
//     insecure (true also drops a kubeconfig CA), tls_server_name,
//     proxy_url, client_certificate/client_key, token (replaces a
//     kubeconfig token, tokenFile and exec plugin), exec (replaces a
//     kubeconfig token, tokenFile and exec plugin).
//  5. Nothing configured at all is kFailedPrecondition with a message
//     naming what to set. There is never a fallback to localhost.

#ifndef CVM_PROVIDER_KUBE_CONFIG_H_
#define CVM_PROVIDER_KUBE_CONFIG_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cvm::kube {

// Terraform refreshes every workspace at each plan (3 reads each), so the
// limiter must let a plan of hundreds through: 100/s with a burst of 300
// (kubectl's burst); the API server's priority and fairness still protects
// it.
inline constexpr double kDefaultQps = 100;
inline constexpr int kDefaultBurst = 300;
inline constexpr absl::Duration kDefaultRequestTimeout = absl::Seconds(60);
inline constexpr char kDefaultUserAgent[] = "terraform-provider-cvm";
inline constexpr char kDefaultServiceAccountDir[] =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// A client-go credential plugin (kubeconfig users[].user.exec or the
// provider block's exec). Plain value.
struct ExecConfig {
  // client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1.
  std::string api_version;
  // A bare name is looked up in PATH; a relative path with a '/' in a
  // kubeconfig is resolved against the kubeconfig's directory.
  std::string command;
  std::vector<std::string> args;
  // Added to (and overriding) the provider's own environment.
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;  // shown when the command cannot be started
  bool provide_cluster_info = false;

  friend bool operator==(const ExecConfig&, const ExecConfig&) = default;
};

// The provider block's connection arguments. Every field is optional so that
// "not set" (filled from the environment, then kubeconfig) differs from an
// empty value. Plain value.
struct ConfigOptions {
  std::optional<std::string> config_path;
  std::optional<std::vector<std::string>> config_paths;
  std::optional<std::string> config_context;
  std::optional<std::string> config_context_auth_info;
  std::optional<std::string> config_context_cluster;
  std::optional<std::string> host;  // "https://h:6443"; "h:6443" means https
  std::optional<std::string> token;
  std::optional<std::string> cluster_ca_certificate;  // PEM data
  std::optional<std::string> client_certificate;      // PEM data
  std::optional<std::string> client_key;              // PEM data
  std::optional<bool> insecure;
  std::optional<std::string> tls_server_name;
  std::optional<std::string> proxy_url;  // http://, https://, socks5://
  std::optional<ExecConfig> exec;
  std::optional<double> qps;  // requests per second; 0 disables the limit
  std::optional<int> burst;   // bucket size
  std::optional<absl::Duration> request_timeout;  // per HTTP request
};

// Where ResolveConfig reads the process environment. Tests inject a map and
// a temporary service-account directory. Plain value.
struct Environment {
  // Returns the variable's value, or nullopt when it is unset.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Holds `token` and `ca.crt` when running in a pod.
  std::string service_account_dir = kDefaultServiceAccountDir;

  // The real process environment (::getenv) and the real directory.
  static Environment Process();
  // A fixed set of variables.
  static Environment FromMap(
      std::map<std::string, std::string> vars,
      std::string service_account_dir = kDefaultServiceAccountDir);
};

// Everything Client::Create needs to reach and authenticate to one API
// server. Plain value. Holds secrets (token, key): never log it whole; use
// Describe().
struct RestConfig {
  std::string host;             // "https://127.0.0.1:6443", no trailing '/'
  std::string tls_server_name;  // SNI and certificate name, if not the host's
  bool insecure = false;        // skip TLS verification (not recommended)
  std::string ca_pem;           // trusted CAs; empty = system store
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::string token;       // static bearer token
  std::string token_file;  // bearer token file, re-read when it changes
  std::optional<ExecConfig> exec;
  std::string proxy_url;
  std::string default_namespace;  // the context's namespace, if any
  double qps = kDefaultQps;
  int burst = kDefaultBurst;
  absl::Duration request_timeout = kDefaultRequestTimeout;
  std::string user_agent = kDefaultUserAgent;
  // Where the settings came from, e.g. "kubeconfig /a/config, context kind"
  // or "in-cluster service account"; used in messages.
  std::string source;

  // A one-line description without secrets: host, source, auth method,
  // TLS mode.
  std::string Describe() const;
};

// Resolves `options` and `env` as described at the top of this file.
// Errors:
//   kFailedPrecondition: nothing is configured (the message names
//     config_path/KUBE_CONFIG_PATH, host/KUBE_HOST, token, exec and
//     in-cluster); or a kubeconfig has no current-context and none was
//     chosen; or no host results;
//   kNotFound: a kubeconfig file, a referenced file (CA, certificate, key,
//     token file, service-account file), or the chosen context, cluster or
//     user does not exist;
//   kInvalidArgument: a malformed kubeconfig, a bad KUBE_INSECURE value, a
//     host that is not an http(s) URL, a certificate without its key, PEM
//     options that are not PEM, insecure together with a CA certificate,
//     token together with exec, an unsupported exec apiVersion or
//     auth-provider, negative qps, burst < 1.
absl::StatusOr<RestConfig> ResolveConfig(const ConfigOptions& options,
                                         const Environment& env);

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_CONFIG_H_
