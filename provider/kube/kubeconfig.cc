// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// yaml-cpp throws on syntax errors and on bad node access. The only yaml-cpp
// calls are in YamlToJson/LoadYaml below, inside try/catch; the rest of the
// parsing works on nlohmann::json in its non-throwing forms.

#include "provider/kube/kubeconfig.h"

#include <cstdint>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "provider/kube/file_util.h"
#include "provider/util/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace cvm::kube {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;
// Aliases make a YAML tree a graph: nine levels of ten aliases each expand
// to 10^9 nodes ("billion laughs"). Real kubeconfigs have a few thousand
// nodes; past this budget the file is refused (found by kubeconfig_fuzzer).
constexpr int64_t kMaxNodes = 1 << 18;

// Converts a YAML tree to JSON with every scalar as a string, expanding
// aliases. Each node converted costs one unit of `*budget`; once it is
// spent the result is incomplete and *budget is negative. Throws
// YAML::Exception (caught by LoadYaml).
json YamlToJson(const YAML::Node& node, int depth, int64_t* budget) {
  if (depth > kMaxDepth || --*budget < 0) return nullptr;
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return node.Scalar();
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const YAML::Node& item : node) {
        if (*budget < 0) break;
        out.push_back(YamlToJson(item, depth + 1, budget));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& item : node) {
        if (*budget < 0) break;
        std::string key = item.first.IsScalar() ? item.first.Scalar() : "";
        if (out.contains(key)) continue;
        out[key] = YamlToJson(item.second, depth + 1, budget);
      }
      return out;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return nullptr;
}

absl::StatusOr<json> LoadYaml(absl::string_view text,
                              absl::string_view origin) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    int64_t budget = kMaxNodes;
    json out = YamlToJson(root, 0, &budget);
    if (budget < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("kubeconfig ", origin, " is too large: more than ",
                       kMaxNodes, " YAML nodes once its aliases are expanded"));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kubeconfig ", origin, " is not valid YAML: line ", e.mark.line + 1,
        ", column ", e.mark.column + 1, ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig ", origin, " cannot be parsed: ", e.what()));
  } catch (...) {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig ", origin, " cannot be parsed"));
  }
}

std::string Str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

absl::StatusOr<bool> Bool(const json& object, const char* key,
                          absl::string_view where) {
  std::string value = Str(object, key);
  if (value.empty() || value == "false" || value == "False" ||
      value == "FALSE") {
    return false;
  }
  if (value == "true" || value == "True" || value == "TRUE") return true;
  return absl::InvalidArgumentError(absl::StrCat(
      where, ": ", key, " must be true or false, not \"", value, "\""));
}

absl::StatusOr<std::string> Base64Field(const json& object, const char* key,
                                        absl::string_view where) {
  std::string encoded;
  for (char c : Str(object, key)) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') encoded.push_back(c);
  }
  if (encoded.empty()) return std::string();
  std::string decoded;
  if (!absl::Base64Unescape(encoded, &decoded)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", key, " is not valid base64"));
  }
  return decoded;
}

// Calls `fn(name, body)` for each {name, <body_key>} entry of list `key`.
template <typename Fn>
absl::Status ForEachNamed(const json& root, const char* key,
                          const char* body_key, absl::string_view origin,
                          Fn fn) {
  auto it = root.find(key);
  if (it == root.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig ", origin, ": ", key, " is not a list"));
  }
  for (const json& entry : *it) {
    if (!entry.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "kubeconfig ", origin, ": an entry of ", key, " is not a map"));
    }
    std::string name = Str(entry, "name");
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "kubeconfig ", origin, ": an entry of ", key, " has no name"));
    }
    static const json kEmpty = json::object();
    auto body = entry.find(body_key);
    const json& b =
        (body == entry.end() || !body->is_object()) ? kEmpty : *body;
    CVM_RETURN_IF_ERROR(fn(name, b));
  }
  return absl::OkStatus();
}

absl::StatusOr<ExecConfig> ParseExec(const json& exec,
                                     absl::string_view base_dir,
                                     absl::string_view where) {
  ExecConfig out;
  out.api_version = Str(exec, "apiVersion");
  out.command = Str(exec, "command");
  if (out.command.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": exec has no command"));
  }
  if (out.api_version != "client.authentication.k8s.io/v1" &&
      out.api_version != "client.authentication.k8s.io/v1beta1") {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": exec apiVersion \"", out.api_version,
        "\" is not supported (use client.authentication.k8s.io/v1 or "
        "client.authentication.k8s.io/v1beta1)"));
  }
  // client-go resolves a relative command with a path separator against the
  // kubeconfig's directory; a bare name is looked up in PATH.
  if (out.command.find('/') != std::string::npos && out.command[0] != '/') {
    out.command = internal::ResolvePath(base_dir, out.command);
  }
  auto args = exec.find("args");
  if (args != exec.end() && args->is_array()) {
    for (const json& a : *args) {
      if (a.is_string()) out.args.push_back(a.get<std::string>());
    }
  }
  auto env = exec.find("env");
  if (env != exec.end() && env->is_array()) {
    for (const json& e : *env) {
      std::string name = Str(e, "name");
      if (name.empty()) continue;
      out.env.emplace_back(name, Str(e, "value"));
    }
  }
  out.install_hint = Str(exec, "installHint");
  CVM_ASSIGN_OR_RETURN(out.provide_cluster_info,
                       Bool(exec, "provideClusterInfo", where));
  return out;
}

// The body `c` of a clusters entry of kubeconfig `file`; `where` names the
// entry in messages.
absl::StatusOr<KubeconfigCluster> ParseCluster(const json& c,
                                               absl::string_view base_dir,
                                               const std::string& file,
                                               const std::string& where) {
  KubeconfigCluster cluster;
  cluster.origin = file;
  cluster.server = Str(c, "server");
  cluster.certificate_authority =
      internal::ResolvePath(base_dir, Str(c, "certificate-authority"));
  CVM_ASSIGN_OR_RETURN(cluster.certificate_authority_data,
                       Base64Field(c, "certificate-authority-data", where));
  CVM_ASSIGN_OR_RETURN(cluster.insecure_skip_tls_verify,
                       Bool(c, "insecure-skip-tls-verify", where));
  cluster.tls_server_name = Str(c, "tls-server-name");
  cluster.proxy_url = Str(c, "proxy-url");
  return cluster;
}

// The body `u` of a users entry of kubeconfig `file`; `where` names the
// entry in messages.
absl::StatusOr<KubeconfigUser> ParseUser(const json& u,
                                         absl::string_view base_dir,
                                         const std::string& file,
                                         const std::string& where) {
  KubeconfigUser user;
  user.origin = file;
  user.token = Str(u, "token");
  user.token_file = internal::ResolvePath(base_dir, Str(u, "tokenFile"));
  user.client_certificate =
      internal::ResolvePath(base_dir, Str(u, "client-certificate"));
  CVM_ASSIGN_OR_RETURN(user.client_certificate_data,
                       Base64Field(u, "client-certificate-data", where));
  user.client_key = internal::ResolvePath(base_dir, Str(u, "client-key"));
  CVM_ASSIGN_OR_RETURN(user.client_key_data,
                       Base64Field(u, "client-key-data", where));
  auto exec = u.find("exec");
  if (exec != u.end() && exec->is_object()) {
    CVM_ASSIGN_OR_RETURN(user.exec, ParseExec(*exec, base_dir, where));
  }
  auto provider = u.find("auth-provider");
  if (provider != u.end() && provider->is_object()) {
    user.auth_provider = Str(*provider, "name");
    if (user.auth_provider.empty()) user.auth_provider = "(unnamed)";
  }
  user.basic_auth = !Str(u, "username").empty() || !Str(u, "password").empty();
  return user;
}

}  // namespace

absl::StatusOr<Kubeconfig> ParseKubeconfig(absl::string_view text,
                                           absl::string_view base_dir,
                                           absl::string_view origin) {
  CVM_ASSIGN_OR_RETURN(json root, LoadYaml(text, origin));
  Kubeconfig config;
  if (root.is_null()) return config;  // an empty file is an empty config
  if (!root.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig ", origin, " is not a YAML map"));
  }
  std::string kind = Str(root, "kind");
  if (!kind.empty() && kind != "Config") {
    return absl::InvalidArgumentError(absl::StrCat(
        "kubeconfig ", origin, " has kind \"", kind, "\", not Config"));
  }
  config.current_context = Str(root, "current-context");
  const std::string file(origin);

  CVM_RETURN_IF_ERROR(ForEachNamed(
      root, "clusters", "cluster", origin,
      [&](const std::string& name, const json& c) -> absl::Status {
        if (config.clusters.count(name)) return absl::OkStatus();
        std::string where =
            absl::StrCat("kubeconfig ", origin, ", cluster \"", name, "\"");
        CVM_ASSIGN_OR_RETURN(KubeconfigCluster cluster,
                             ParseCluster(c, base_dir, file, where));
        config.clusters.emplace(name, std::move(cluster));
        return absl::OkStatus();
      }));

  CVM_RETURN_IF_ERROR(ForEachNamed(
      root, "users", "user", origin,
      [&](const std::string& name, const json& u) -> absl::Status {
        if (config.users.count(name)) return absl::OkStatus();
        std::string where =
            absl::StrCat("kubeconfig ", origin, ", user \"", name, "\"");
        CVM_ASSIGN_OR_RETURN(KubeconfigUser user,
                             ParseUser(u, base_dir, file, where));
        config.users.emplace(name, std::move(user));
        return absl::OkStatus();
      }));

  CVM_RETURN_IF_ERROR(
      ForEachNamed(root, "contexts", "context", origin,
                   [&](const std::string& name, const json& c) -> absl::Status {
                     if (config.contexts.count(name)) return absl::OkStatus();
                     KubeconfigContext context;
                     context.origin = file;
                     context.cluster = Str(c, "cluster");
                     context.user = Str(c, "user");
                     context.ns = Str(c, "namespace");
                     config.contexts.emplace(name, std::move(context));
                     return absl::OkStatus();
                   }));
  return config;
}

absl::StatusOr<Kubeconfig> LoadKubeconfigFile(const std::string& path) {
  absl::StatusOr<std::string> text = internal::ReadFile(path, "kubeconfig");
  if (!text.ok()) {
    if (absl::IsPermissionDenied(text.status()) ||
        absl::IsUnavailable(text.status())) {
      return absl::NotFoundError(text.status().message());
    }
    return text.status();
  }
  return ParseKubeconfig(*text, internal::DirName(path), path);
}

void MergeKubeconfig(const Kubeconfig& from, Kubeconfig& into) {
  if (into.current_context.empty()) into.current_context = from.current_context;
  for (const auto& [name, cluster] : from.clusters) {
    into.clusters.emplace(name, cluster);
  }
  for (const auto& [name, user] : from.users) into.users.emplace(name, user);
  for (const auto& [name, context] : from.contexts) {
    into.contexts.emplace(name, context);
  }
}

absl::StatusOr<Kubeconfig> LoadMergedKubeconfig(
    const std::vector<std::string>& paths) {
  Kubeconfig merged;
  for (const std::string& path : paths) {
    if (path.empty()) continue;
    CVM_ASSIGN_OR_RETURN(Kubeconfig one, LoadKubeconfigFile(path));
    MergeKubeconfig(one, merged);
  }
  return merged;
}

}  // namespace cvm::kube
