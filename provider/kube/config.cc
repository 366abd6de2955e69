// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/config.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "provider/kube/file_util.h"
#include "provider/kube/kubeconfig.h"
#include "provider/util/status_macros.h"

namespace cvm::kube {
namespace {

constexpr char kNothingConfigured[] =
    "no Kubernetes connection is configured. Set one of: config_path (or "
    "KUBE_CONFIG_PATH) / config_paths (KUBE_CONFIG_PATHS) to a kubeconfig "
    "file, optionally with config_context (KUBE_CTX); or host (KUBE_HOST) "
    "with token (KUBE_TOKEN), client_certificate and client_key "
    "(KUBE_CLIENT_CERT_DATA, KUBE_CLIENT_KEY_DATA) or an exec block, and "
    "cluster_ca_certificate (KUBE_CLUSTER_CA_CERT_DATA); or run inside a pod "
    "with a service account (KUBERNETES_SERVICE_HOST). The KUBECONFIG "
    "variable is not read, and the provider never falls back to localhost";

void FillString(std::optional<std::string>& field, const Environment& env,
                const char* name) {
  if (field.has_value() || !env.getenv) return;
  std::optional<std::string> value = env.getenv(name);
  if (value.has_value() && !value->empty()) field = std::move(value);
}

// Go's strconv.ParseBool, as the hashicorp provider uses for KUBE_INSECURE.
absl::StatusOr<bool> ParseGoBool(absl::string_view text,
                                 absl::string_view what) {
  if (text == "1" || text == "t" || text == "T" || text == "true" ||
      text == "TRUE" || text == "True") {
    return true;
  }
  if (text == "0" || text == "f" || text == "F" || text == "false" ||
      text == "FALSE" || text == "False") {
    return false;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, " must be true or false, not \"", text, "\""));
}

absl::StatusOr<ConfigOptions> FillFromEnvironment(ConfigOptions o,
                                                  const Environment& env) {
  FillString(o.config_path, env, "KUBE_CONFIG_PATH");
  if (!o.config_paths.has_value() && env.getenv) {
    std::optional<std::string> paths = env.getenv("KUBE_CONFIG_PATHS");
    if (paths.has_value() && !paths->empty()) {
      o.config_paths = absl::StrSplit(*paths, ':', absl::SkipEmpty());
    }
  }
  FillString(o.config_context, env, "KUBE_CTX");
  FillString(o.config_context_auth_info, env, "KUBE_CTX_AUTH_INFO");
  FillString(o.config_context_cluster, env, "KUBE_CTX_CLUSTER");
  FillString(o.host, env, "KUBE_HOST");
  FillString(o.token, env, "KUBE_TOKEN");
  FillString(o.tls_server_name, env, "KUBE_TLS_SERVER_NAME");
  FillString(o.client_certificate, env, "KUBE_CLIENT_CERT_DATA");
  FillString(o.client_key, env, "KUBE_CLIENT_KEY_DATA");
  FillString(o.cluster_ca_certificate, env, "KUBE_CLUSTER_CA_CERT_DATA");
  FillString(o.proxy_url, env, "KUBE_PROXY_URL");
  if (!o.insecure.has_value() && env.getenv) {
    std::optional<std::string> value = env.getenv("KUBE_INSECURE");
    if (value.has_value() && !value->empty()) {
      CVM_ASSIGN_OR_RETURN(o.insecure, ParseGoBool(*value, "KUBE_INSECURE"));
    }
  }
  return o;
}

std::string ExpandHome(const std::string& path, const Environment& env) {
  if (path == "~" || absl::StartsWith(path, "~/")) {
    std::optional<std::string> home =
        env.getenv ? env.getenv("HOME") : std::nullopt;
    if (home.has_value() && !home->empty()) {
      return absl::StrCat(*home, path.substr(1));
    }
  }
  return path;
}

// "h:6443" → "https://h:6443"; strips trailing '/'. kInvalidArgument for
// other schemes or an empty host.
absl::StatusOr<std::string> NormalizeHost(absl::string_view host,
                                          absl::string_view what) {
  std::string out(absl::StripAsciiWhitespace(host));
  if (!absl::StrContains(out, "://")) out = absl::StrCat("https://", out);
  if (!absl::StartsWith(out, "https://") && !absl::StartsWith(out, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " \"", host, "\" is not an http:// or https:// URL"));
  }
  while (absl::EndsWith(out, "/")) out.pop_back();
  absl::string_view rest = out;
  absl::ConsumePrefix(&rest, "https://") ||
      absl::ConsumePrefix(&rest, "http://");
  if (rest.empty() || rest[0] == '/' || rest[0] == ':') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", host, "\" has no host name"));
  }
  return out;
}

absl::Status CheckPem(const std::string& value, absl::string_view what) {
  if (internal::LooksLikePem(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what,
      " is not PEM data (it must contain a -----BEGIN ...----- block; to use "
      "a file, pass its contents, e.g. file(\"ca.pem\"))"));
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view what) {
  CVM_ASSIGN_OR_RETURN(std::string data, internal::ReadFile(path, what));
  CVM_RETURN_IF_ERROR(CheckPem(data, absl::StrCat(what, " \"", path, "\"")));
  return data;
}

// The server, CA, TLS and proxy settings of kubeconfig cluster
// `cluster_name` (from the kubeconfig `files`).
absl::Status ApplyKubeconfigCluster(const Kubeconfig& kc,
                                    const std::string& cluster_name,
                                    const std::string& files, RestConfig& rc) {
  auto it = kc.clusters.find(cluster_name);
  if (it == kc.clusters.end()) {
    return absl::NotFoundError(absl::StrCat(
        "cluster \"", cluster_name, "\" not found in kubeconfig ", files));
  }
  const KubeconfigCluster& c = it->second;
  if (!c.server.empty()) {
    CVM_ASSIGN_OR_RETURN(
        rc.host, NormalizeHost(c.server, absl::StrCat("server of cluster \"",
                                                      cluster_name, "\"")));
  }
  if (!c.certificate_authority_data.empty()) {
    rc.ca_pem = c.certificate_authority_data;
  } else if (!c.certificate_authority.empty()) {
    CVM_ASSIGN_OR_RETURN(rc.ca_pem, ReadPemFile(c.certificate_authority,
                                                "certificate-authority"));
  }
  rc.insecure = c.insecure_skip_tls_verify;
  rc.tls_server_name = c.tls_server_name;
  rc.proxy_url = c.proxy_url;
  return absl::OkStatus();
}

// The credentials of kubeconfig user `user_name` (from the kubeconfig
// `files`). Errors for the kinds of user the provider does not support.
absl::Status ApplyKubeconfigUser(const Kubeconfig& kc,
                                 const std::string& user_name,
                                 const std::string& files, RestConfig& rc) {
  auto it = kc.users.find(user_name);
  if (it == kc.users.end()) {
    return absl::NotFoundError(absl::StrCat(
        "user \"", user_name, "\" not found in kubeconfig ", files));
  }
  const KubeconfigUser& u = it->second;
  if (!u.auth_provider.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "user \"", user_name, "\" in kubeconfig ", u.origin,
        " uses auth-provider \"", u.auth_provider,
        "\", which is not supported (it was removed from kubectl too): use "
        "an exec credential plugin, e.g. gke-gcloud-auth-plugin or "
        "kubelogin"));
  }
  if (u.basic_auth && u.token.empty() && u.token_file.empty() &&
      !u.exec.has_value() && u.client_certificate.empty() &&
      u.client_certificate_data.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "user \"", user_name, "\" in kubeconfig ", u.origin,
        " uses username/password, which is not supported: use a token, a "
        "client certificate or an exec plugin"));
  }
  rc.token = u.token;
  rc.token_file = u.token_file;
  if (!u.token_file.empty()) {
    // Fail early with a clear message; the client re-reads it later.
    CVM_RETURN_IF_ERROR(internal::ReadFile(u.token_file, "tokenFile").status());
  }
  if (!u.client_certificate_data.empty()) {
    rc.client_certificate_pem = u.client_certificate_data;
  } else if (!u.client_certificate.empty()) {
    CVM_ASSIGN_OR_RETURN(
        rc.client_certificate_pem,
        ReadPemFile(u.client_certificate, "client-certificate"));
  }
  if (!u.client_key_data.empty()) {
    rc.client_key_pem = u.client_key_data;
  } else if (!u.client_key.empty()) {
    CVM_ASSIGN_OR_RETURN(rc.client_key_pem,
                         ReadPemFile(u.client_key, "client-key"));
  }
  rc.exec = u.exec;
  return absl::OkStatus();
}

absl::Status ApplyKubeconfig(const ConfigOptions& o,
                             const std::vector<std::string>& paths,
                             RestConfig& rc) {
  CVM_ASSIGN_OR_RETURN(Kubeconfig kc, LoadMergedKubeconfig(paths));
  const std::string files = absl::StrJoin(paths, ", ");
  std::string context_name = o.config_context.value_or(kc.current_context);
  KubeconfigContext context;
  if (!context_name.empty()) {
    auto it = kc.contexts.find(context_name);
    if (it == kc.contexts.end()) {
      std::vector<std::string> names;
      for (const auto& [name, unused] : kc.contexts) names.push_back(name);
      return absl::NotFoundError(absl::StrCat(
          "context \"", context_name, "\" not found in kubeconfig ", files,
          names.empty()
              ? " (it has no contexts)"
              : absl::StrCat(" (contexts: ", absl::StrJoin(names, ", "), ")")));
    }
    context = it->second;
  } else if (!o.host.has_value() && !o.config_context_cluster.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "kubeconfig ", files,
        " has no current-context: set config_context (KUBE_CTX) to one of "
        "its contexts"));
  }
  std::string cluster_name = o.config_context_cluster.value_or(context.cluster);
  std::string user_name = o.config_context_auth_info.value_or(context.user);
  rc.default_namespace = context.ns;
  rc.source = absl::StrCat("kubeconfig ", files);
  if (!context_name.empty()) {
    absl::StrAppend(&rc.source, ", context \"", context_name, "\"");
  }

  if (!cluster_name.empty()) {
    CVM_RETURN_IF_ERROR(ApplyKubeconfigCluster(kc, cluster_name, files, rc));
  }
  if (!user_name.empty()) {
    CVM_RETURN_IF_ERROR(ApplyKubeconfigUser(kc, user_name, files, rc));
  }
  return absl::OkStatus();
}

absl::Status ApplyInCluster(const Environment& env, RestConfig& rc) {
  std::string host = env.getenv("KUBERNETES_SERVICE_HOST").value_or("");
  std::string port = env.getenv("KUBERNETES_SERVICE_PORT").value_or("");
  if (absl::StrContains(host, ":")) host = absl::StrCat("[", host, "]");
  rc.host = absl::StrCat("https://", host, ":", port);
  rc.token_file = absl::StrCat(env.service_account_dir, "/token");
  CVM_RETURN_IF_ERROR(
      internal::ReadFile(rc.token_file, "service-account token").status());
  CVM_ASSIGN_OR_RETURN(
      rc.ca_pem, ReadPemFile(absl::StrCat(env.service_account_dir, "/ca.crt"),
                             "service-account CA"));
  std::optional<std::string> ns =
      internal::ReadFile(absl::StrCat(env.service_account_dir, "/namespace"),
                         "namespace")
          .value_or("");
  rc.default_namespace = std::string(absl::StripAsciiWhitespace(*ns));
  rc.source = "in-cluster service account";
  return absl::OkStatus();
}

bool InCluster(const Environment& env) {
  if (!env.getenv) return false;
  return !env.getenv("KUBERNETES_SERVICE_HOST").value_or("").empty() &&
         !env.getenv("KUBERNETES_SERVICE_PORT").value_or("").empty();
}

bool AnyConnectionOption(const ConfigOptions& o) {
  return o.host || o.token || o.cluster_ca_certificate ||
         o.client_certificate || o.client_key || o.exec || o.insecure ||
         o.tls_server_name || o.proxy_url || o.config_context ||
         o.config_context_auth_info || o.config_context_cluster;
}

absl::Status CheckExec(const ExecConfig& exec) {
  if (exec.command.empty()) {
    return absl::InvalidArgumentError("exec: command is empty");
  }
  if (exec.api_version != "client.authentication.k8s.io/v1" &&
      exec.api_version != "client.authentication.k8s.io/v1beta1") {
    return absl::InvalidArgumentError(absl::StrCat(
        "exec: api_version \"", exec.api_version,
        "\" is not supported (use client.authentication.k8s.io/v1 or "
        "client.authentication.k8s.io/v1beta1)"));
  }
  return absl::OkStatus();
}

// The explicit connection and credential options of `o` over what `rc`
// got from a kubeconfig or the service account, field by field.
absl::Status ApplyExplicitOptions(const ConfigOptions& o, RestConfig& rc) {
  if (o.host.has_value()) {
    CVM_ASSIGN_OR_RETURN(rc.host, NormalizeHost(*o.host, "host"));
  }
  if (o.insecure.has_value() && o.cluster_ca_certificate.has_value() &&
      *o.insecure) {
    return absl::InvalidArgumentError(
        "insecure = true and cluster_ca_certificate cannot be used together: "
        "either verify the server with the CA or disable verification");
  }
  if (o.cluster_ca_certificate.has_value()) {
    CVM_RETURN_IF_ERROR(
        CheckPem(*o.cluster_ca_certificate, "cluster_ca_certificate"));
    rc.ca_pem = *o.cluster_ca_certificate;
    rc.insecure = false;
  }
  if (o.insecure.has_value()) {
    rc.insecure = *o.insecure;
    if (rc.insecure) rc.ca_pem.clear();
  }
  if (o.tls_server_name.has_value()) rc.tls_server_name = *o.tls_server_name;
  if (o.proxy_url.has_value()) rc.proxy_url = *o.proxy_url;
  if (o.client_certificate.has_value()) {
    CVM_RETURN_IF_ERROR(CheckPem(*o.client_certificate, "client_certificate"));
    rc.client_certificate_pem = *o.client_certificate;
  }
  if (o.client_key.has_value()) {
    CVM_RETURN_IF_ERROR(CheckPem(*o.client_key, "client_key"));
    rc.client_key_pem = *o.client_key;
  }
  if (o.token.has_value() && o.exec.has_value()) {
    return absl::InvalidArgumentError(
        "token and exec cannot be used together: choose one way to get a "
        "bearer token");
  }
  if (o.token.has_value()) {
    rc.token = *o.token;
    rc.token_file.clear();
    rc.exec.reset();
  }
  if (o.exec.has_value()) {
    CVM_RETURN_IF_ERROR(CheckExec(*o.exec));
    rc.exec = *o.exec;
    rc.token.clear();
    rc.token_file.clear();
  }
  return absl::OkStatus();
}

// qps, burst and request_timeout, each checked.
absl::Status ApplyClientLimits(const ConfigOptions& o, RestConfig& rc) {
  if (o.qps.has_value()) {
    if (!(*o.qps >= 0)) {
      return absl::InvalidArgumentError("qps must be zero or positive");
    }
    rc.qps = *o.qps;
  }
  if (o.burst.has_value()) {
    if (*o.burst < 1) return absl::InvalidArgumentError("burst must be >= 1");
    rc.burst = *o.burst;
  }
  if (o.request_timeout.has_value()) {
    if (*o.request_timeout <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("request_timeout must be positive");
    }
    rc.request_timeout = *o.request_timeout;
  }

  return absl::OkStatus();
}

// config_path and config_paths, with "~" expanded; empty entries dropped.
std::vector<std::string> KubeconfigPaths(const ConfigOptions& o,
                                         const Environment& env) {
  std::vector<std::string> paths;
  if (o.config_path.has_value() && !o.config_path->empty()) {
    paths.push_back(ExpandHome(*o.config_path, env));
  }
  if (o.config_paths.has_value()) {
    for (const std::string& p : *o.config_paths) {
      if (!p.empty()) paths.push_back(ExpandHome(p, env));
    }
  }
  return paths;
}

}  // namespace

Environment Environment::Process() {
  Environment env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  return env;
}

Environment Environment::FromMap(std::map<std::string, std::string> vars,
                                 std::string service_account_dir) {
  Environment env;
  env.getenv = [vars = std::move(vars)](
                   const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.service_account_dir = std::move(service_account_dir);
  return env;
}

std::string RestConfig::Describe() const {
  std::string auth = "none";
  if (exec.has_value()) {
    auth = absl::StrCat("exec plugin \"", exec->command, "\"");
  } else if (!token_file.empty()) {
    auth = "token file";
  } else if (!token.empty()) {
    auth = "bearer token";
  } else if (!client_certificate_pem.empty()) {
    auth = "client certificate";
  }
  std::string tls = insecure         ? "TLS verification disabled"
                    : ca_pem.empty() ? "system CAs"
                                     : "configured CA";
  std::string out =
      absl::StrCat("server ", host, " (", source, "; auth: ", auth, "; ", tls);
  if (!tls_server_name.empty()) {
    absl::StrAppend(&out, "; tls_server_name ", tls_server_name);
  }
  if (!proxy_url.empty()) absl::StrAppend(&out, "; via proxy");
  out += ")";
  return out;
}

absl::StatusOr<RestConfig> ResolveConfig(const ConfigOptions& options,
                                         const Environment& env) {
  CVM_ASSIGN_OR_RETURN(ConfigOptions o, FillFromEnvironment(options, env));

  std::vector<std::string> paths = KubeconfigPaths(o, env);

  RestConfig rc;
  if (!paths.empty()) {
    CVM_RETURN_IF_ERROR(ApplyKubeconfig(o, paths, rc));
  } else if (!o.host.has_value() && InCluster(env)) {
    CVM_RETURN_IF_ERROR(ApplyInCluster(env, rc));
  } else if (!AnyConnectionOption(o)) {
    return absl::FailedPreconditionError(kNothingConfigured);
  } else {
    rc.source = "provider configuration";
  }

  // Explicit options override, field by field.
  CVM_RETURN_IF_ERROR(ApplyExplicitOptions(o, rc));
  CVM_RETURN_IF_ERROR(ApplyClientLimits(o, rc));

  if (rc.host.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no API server address: ", rc.source,
                     " gives no server, and host (KUBE_HOST) is not set"));
  }
  if (rc.client_certificate_pem.empty() != rc.client_key_pem.empty()) {
    return absl::InvalidArgumentError(
        rc.client_key_pem.empty()
            ? "a client certificate is set without its client key"
            : "a client key is set without its client certificate");
  }
  return rc;
}

}  // namespace cvm::kube
