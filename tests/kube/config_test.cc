// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/config.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::cvm::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const char kCaPem[] =
    "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
const char kCertPem[] =
    "-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n";
const char kKeyPem[] =
    "-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n";

ExecConfig MakeExec(const std::string& api_version,
                    const std::string& command) {
  ExecConfig e;
  e.api_version = api_version;
  e.command = command;
  return e;
}

Environment Env(std::map<std::string, std::string> vars,
                std::string sa_dir = "/nonexistent-sa") {
  return Environment::FromMap(std::move(vars), std::move(sa_dir));
}

// A kubeconfig with two contexts; `dev` is current.
std::string WriteKubeconfig(const TempDir& dir,
                            const std::string& name = "config") {
  dir.Write("kube/ca.pem", kCaPem);
  dir.Write("kube/client.crt", kCertPem);
  dir.Write("kube/client.key", kKeyPem);
  return dir.Write("kube/" + name, absl::StrCat(R"(
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://dev.example:6443/
    certificate-authority: ca.pem
- name: prod-cluster
  cluster:
    server: prod.example:443
    certificate-authority-data: )",
                                                absl::Base64Escape(kCaPem), R"(
    insecure-skip-tls-verify: false
    tls-server-name: kubernetes
users:
- name: dev-user
  user:
    token: dev-token
- name: cert-user
  user:
    client-certificate: client.crt
    client-key: client.key
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: get-token
- name: legacy
  user:
    auth-provider: {name: gcp}
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: prod
  context: {cluster: prod-cluster, user: cert-user}
- name: broken
  context: {cluster: nowhere, user: dev-user}
- name: legacy
  context: {cluster: dev-cluster, user: legacy}
)"));
}

TEST(ResolveConfigTest, NothingConfiguredSaysWhatToSet) {
  for (const auto& vars : std::vector<std::map<std::string, std::string>>{
           {},
           {{"KUBECONFIG", "/home/me/.kube/config"}},
           {{"KUBE_HOST", ""}}}) {
    absl::StatusOr<RestConfig> rc = ResolveConfig({}, Env(vars));
    EXPECT_THAT(
        rc,
        StatusIs(absl::StatusCode::kFailedPrecondition,
                 AllOf(HasSubstr("config_path"), HasSubstr("KUBE_CONFIG_PATH"),
                       HasSubstr("host (KUBE_HOST)"),
                       HasSubstr("token (KUBE_TOKEN)"), HasSubstr("exec"),
                       HasSubstr("KUBECONFIG variable is not read"),
                       HasSubstr("never falls back to localhost"))));
  }
}

TEST(ResolveConfigTest, EnvironmentFillsUnsetOptionsOnly) {
  Environment env = Env({{"KUBE_HOST", "https://env-host:6443"},
                         {"KUBE_TOKEN", "env-token"},
                         {"KUBE_INSECURE", "1"},
                         {"KUBE_TLS_SERVER_NAME", "kubernetes.default"},
                         {"KUBE_PROXY_URL", "http://proxy:3128"}});
  CVM_ASSERT_OK_AND_ASSIGN(RestConfig rc, ResolveConfig({}, env));
  EXPECT_EQ(rc.host, "https://env-host:6443");
  EXPECT_EQ(rc.token, "env-token");
  EXPECT_TRUE(rc.insecure);
  EXPECT_EQ(rc.tls_server_name, "kubernetes.default");
  EXPECT_EQ(rc.proxy_url, "http://proxy:3128");
  EXPECT_EQ(rc.source, "provider configuration");

  ConfigOptions explicit_options;
  explicit_options.host = "explicit:6443";
  explicit_options.token = "explicit-token";
  explicit_options.insecure = false;
  CVM_ASSERT_OK_AND_ASSIGN(rc, ResolveConfig(explicit_options, env));
  EXPECT_EQ(rc.host, "https://explicit:6443");
  EXPECT_EQ(rc.token, "explicit-token");
  EXPECT_FALSE(rc.insecure);
}

TEST(ResolveConfigTest, EnvironmentPemAndBoolValues) {
  CVM_ASSERT_OK_AND_ASSIGN(
      RestConfig rc,
      ResolveConfig({}, Env({{"KUBE_HOST", "h"},
                             {"KUBE_CLUSTER_CA_CERT_DATA", kCaPem},
                             {"KUBE_CLIENT_CERT_DATA", kCertPem},
                             {"KUBE_CLIENT_KEY_DATA", kKeyPem}})));
  EXPECT_EQ(rc.ca_pem, kCaPem);
  EXPECT_EQ(rc.client_certificate_pem, kCertPem);
  EXPECT_EQ(rc.client_key_pem, kKeyPem);
  EXPECT_THAT(
      ResolveConfig({}, Env({{"KUBE_HOST", "h"}, {"KUBE_INSECURE", "yes"}})),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("KUBE_INSECURE must be true or false")));
}

TEST(ResolveConfigTest, KubeconfigCurrentContext) {
  TempDir dir;
  std::string path = WriteKubeconfig(dir);
  ConfigOptions o;
  o.config_path = path;
  CVM_ASSERT_OK_AND_ASSIGN(RestConfig rc, ResolveConfig(o, Env({})));
  EXPECT_EQ(rc.host, "https://dev.example:6443");
  EXPECT_EQ(rc.ca_pem, kCaPem);  // read from ca.pem next to the kubeconfig
  EXPECT_EQ(rc.token, "dev-token");
  EXPECT_EQ(rc.default_namespace, "team-a");
  EXPECT_EQ(rc.source, absl::StrCat("kubeconfig ", path, ", context \"dev\""));
  EXPECT_THAT(rc.Describe(), Not(HasSubstr("dev-token")));
}

TEST(ResolveConfigTest, KubeconfigContextSelectionFromOptionsAndEnv) {
  TempDir dir;
  std::string path = WriteKubeconfig(dir);
  // KUBE_CONFIG_PATH + KUBE_CTX.
  CVM_ASSERT_OK_AND_ASSIGN(RestConfig rc,
                           ResolveConfig({}, Env({{"KUBE_CONFIG_PATH", path},
                                                  {"KUBE_CTX", "prod"}})));
  EXPECT_EQ(rc.host, "https://prod.example:443");
  EXPECT_EQ(rc.tls_server_name, "kubernetes");
  EXPECT_EQ(rc.client_certificate_pem, kCertPem);
  EXPECT_EQ(rc.client_key_pem, kKeyPem);
  EXPECT_EQ(rc.token, "");

  // config_context_auth_info / config_context_cluster replace the context's.
  ConfigOptions o;
  o.config_path = path;
  o.config_context_auth_info = "exec-user";
  o.config_context_cluster = "prod-cluster";
  CVM_ASSERT_OK_AND_ASSIGN(rc, ResolveConfig(o, Env({})));
  EXPECT_EQ(rc.host, "https://prod.example:443");
  ASSERT_TRUE(rc.exec.has_value());
  EXPECT_EQ(rc.exec->command, "get-token");

  o = {};
  o.config_path = path;
  o.config_context = "nope";
  EXPECT_THAT(
      ResolveConfig(o, Env({})),
      StatusIs(absl::StatusCode::kNotFound,
               AllOf(HasSubstr("context \"nope\" not found"),
                     HasSubstr("contexts: broken, dev, legacy, prod"))));
  o.config_context = "broken";
  EXPECT_THAT(ResolveConfig(o, Env({})),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("cluster \"nowhere\" not found")));
  o.config_context = "legacy";
  EXPECT_THAT(ResolveConfig(o, Env({})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("auth-provider \"gcp\"")));
}

TEST(ResolveConfigTest, ConfigPathsMergeInOrder) {
  TempDir dir;
  std::string base = WriteKubeconfig(dir);
  std::string first = dir.Write("first", R"(
current-context: mine
clusters:
- name: dev-cluster
  cluster: {server: https://shadowed-dev, insecure-skip-tls-verify: true}
contexts:
- name: mine
  context: {cluster: dev-cluster, user: dev-user}
)");
  // KUBE_CONFIG_PATHS is ':'-separated; its first file wins.
  CVM_ASSERT_OK_AND_ASSIGN(
      RestConfig rc,
      ResolveConfig({}, Env({{"KUBE_CONFIG_PATHS", first + "::" + base}})));
  EXPECT_EQ(rc.host, "https://shadowed-dev");
  EXPECT_TRUE(rc.insecure);
  EXPECT_EQ(rc.token, "dev-token");  // user from the second file

  // config_path comes before config_paths.
  ConfigOptions o;
  o.config_path = base;
  o.config_paths = std::vector<std::string>{first};
  CVM_ASSERT_OK_AND_ASSIGN(rc, ResolveConfig(o, Env({})));
  EXPECT_EQ(rc.host, "https://dev.example:6443");

  o = {};
  o.config_path = dir.path() + "/absent";
  EXPECT_THAT(ResolveConfig(o, Env({})),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent")));
}

TEST(ResolveConfigTest, HomeIsExpandedInConfigPath) {
  TempDir dir;
  WriteKubeconfig(dir);
  ConfigOptions o;
  o.config_path = "~/kube/config";
  CVM_ASSERT_OK_AND_ASSIGN(RestConfig rc,
                           ResolveConfig(o, Env({{"HOME", dir.path()}})));
  EXPECT_EQ(rc.host, "https://dev.example:6443");
}

TEST(ResolveConfigTest, KubeconfigWithoutCurrentContext) {
  TempDir dir;
  std::string path = dir.Write("c", R"(
clusters:
- name: c
  cluster: {server: https://c}
)");
  ConfigOptions o;
  o.config_path = path;
  EXPECT_THAT(
      ResolveConfig(o, Env({})),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("has no current-context: set config_context")));
  o.config_context_cluster = "c";
  o.token = "t";
  CVM_ASSERT_OK_AND_ASSIGN(RestConfig rc, ResolveConfig(o, Env({})));
  EXPECT_EQ(rc.host, "https://c");
}

TEST(ResolveConfigTest, ExplicitOptionsOverrideKubeconfig) {
  TempDir dir;
  std::string path = WriteKubeconfig(dir);
  struct Case {
    std::string name;
    std::function<void(ConfigOptions&)> set;
    std::function<void(const RestConfig&)> check;
  };
  std::vector<Case> cases = {
      {"host", [](ConfigOptions& o) { o.host = "https://other:1/"; },
       [](const RestConfig& rc) {
         EXPECT_EQ(rc.host, "https://other:1");
         EXPECT_EQ(rc.token, "dev-token");
       }},
      {"token replaces exec",
       [](ConfigOptions& o) {
         o.config_context_auth_info = "exec-user";
         o.token = "t2";
       },
       [](const RestConfig& rc) {
         EXPECT_EQ(rc.token, "t2");
         EXPECT_FALSE(rc.exec.has_value());
       }},
      {"exec replaces token",
       [](ConfigOptions& o) {
         o.exec = MakeExec("client.authentication.k8s.io/v1beta1", "plugin");
       },
       [](const RestConfig& rc) {
         EXPECT_EQ(rc.token, "");
         ASSERT_TRUE(rc.exec.has_value());
         EXPECT_EQ(rc.exec->command, "plugin");
       }},
      {"insecure drops the kubeconfig CA",
       [](ConfigOptions& o) { o.insecure = true; },
       [](const RestConfig& rc) {
         EXPECT_TRUE(rc.insecure);
         EXPECT_EQ(rc.ca_pem, "");
       }},
      {"CA replaces the kubeconfig CA",
       [](ConfigOptions& o) { o.cluster_ca_certificate = kCertPem; },
       [](const RestConfig& rc) { EXPECT_EQ(rc.ca_pem, kCertPem); }},
      {"qps burst timeout",
       [](ConfigOptions& o) {
         o.qps = 7;
         o.burst = 9;
         o.request_timeout = absl::Seconds(3);
       },
       [](const RestConfig& rc) {
         EXPECT_EQ(rc.qps, 7);
         EXPECT_EQ(rc.burst, 9);
         EXPECT_EQ(rc.request_timeout, absl::Seconds(3));
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ConfigOptions o;
    o.config_path = path;
    c.set(o);
    absl::StatusOr<RestConfig> rc = ResolveConfig(o, Env({}));
    ASSERT_THAT(rc, IsOk());
    c.check(*rc);
  }
}

TEST(ResolveConfigTest, DefaultsAreAboveClientGo) {
  ConfigOptions o;
  o.host = "https://h";
  CVM_ASSERT_OK_AND_ASSIGN(RestConfig rc, ResolveConfig(o, Env({})));
  EXPECT_EQ(rc.qps, 100);
  EXPECT_EQ(rc.burst, 300);
  EXPECT_EQ(rc.request_timeout, absl::Seconds(60));
}

TEST(ResolveConfigTest, RejectsInconsistentOptions) {
  struct Case {
    std::string name;
    ConfigOptions options;
    std::string message;
  };
  auto with = [](std::function<void(ConfigOptions&)> f) {
    ConfigOptions o;
    o.host = "https://h";
    f(o);
    return o;
  };
  std::vector<Case> cases = {
      {"insecure and CA", with([](ConfigOptions& o) {
         o.insecure = true;
         o.cluster_ca_certificate = kCaPem;
       }),
       "cannot be used together"},
      {"token and exec", with([](ConfigOptions& o) {
         o.token = "t";
         o.exec = MakeExec("client.authentication.k8s.io/v1", "x");
       }),
       "token and exec"},
      {"cert without key",
       with([](ConfigOptions& o) { o.client_certificate = kCertPem; }),
       "without its client key"},
      {"CA not PEM",
       with([](ConfigOptions& o) { o.cluster_ca_certificate = "/etc/ca.pem"; }),
       "cluster_ca_certificate is not PEM"},
      {"bad scheme", with([](ConfigOptions& o) { o.host = "ftp://h"; }),
       "not an http:// or https:// URL"},
      {"exec alpha", with([](ConfigOptions& o) {
         o.exec = MakeExec("client.authentication.k8s.io/v1alpha1", "x");
       }),
       "not supported"},
      {"burst", with([](ConfigOptions& o) { o.burst = 0; }), "burst"},
      {"qps", with([](ConfigOptions& o) { o.qps = -1; }), "qps"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        ResolveConfig(c.options, Env({})),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  }
}

TEST(ResolveConfigTest, OptionsWithoutHostFail) {
  ConfigOptions o;
  o.token = "t";
  EXPECT_THAT(ResolveConfig(o, Env({})),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("host (KUBE_HOST) is not set")));
}

TEST(ResolveConfigTest, InClusterServiceAccount) {
  TempDir sa;
  sa.Write("token", "sa-token\n");
  sa.Write("ca.crt", kCaPem);
  sa.Write("namespace", "workspaces\n");
  std::map<std::string, std::string> vars = {
      {"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
      {"KUBERNETES_SERVICE_PORT", "443"}};
  CVM_ASSERT_OK_AND_ASSIGN(RestConfig rc,
                           ResolveConfig({}, Env(vars, sa.path())));
  EXPECT_EQ(rc.host, "https://10.96.0.1:443");
  EXPECT_EQ(rc.token_file, sa.path() + "/token");
  EXPECT_EQ(rc.token, "");
  EXPECT_EQ(rc.ca_pem, kCaPem);
  EXPECT_EQ(rc.default_namespace, "workspaces");
  EXPECT_EQ(rc.source, "in-cluster service account");

  vars["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  CVM_ASSERT_OK_AND_ASSIGN(rc, ResolveConfig({}, Env(vars, sa.path())));
  EXPECT_EQ(rc.host, "https://[fd00::1]:443");

  // Explicit options still override in-cluster values.
  ConfigOptions o;
  o.token = "explicit";
  CVM_ASSERT_OK_AND_ASSIGN(rc, ResolveConfig(o, Env(vars, sa.path())));
  EXPECT_EQ(rc.token, "explicit");
  EXPECT_EQ(rc.token_file, "");

  // A kubeconfig or a host turns in-cluster off.
  o = {};
  o.host = "https://elsewhere";
  CVM_ASSERT_OK_AND_ASSIGN(rc, ResolveConfig(o, Env(vars, sa.path())));
  EXPECT_EQ(rc.host, "https://elsewhere");
  EXPECT_EQ(rc.ca_pem, "");

  TempDir empty;
  EXPECT_THAT(ResolveConfig({}, Env(vars, empty.path())),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("service-account token")));
}

}  // namespace
}  // namespace cvm::kube
