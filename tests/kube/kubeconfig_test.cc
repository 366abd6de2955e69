// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/kubeconfig.h"

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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const char kCaPem[] =
    "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";

TEST(ParseKubeconfigTest, ReadsClustersUsersContextsAndExec) {
  std::string text = absl::StrCat(R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )",
                                  absl::Base64Escape(kCaPem), R"(
    tls-server-name: api.internal
    proxy-url: socks5://proxy:1080
- name: c2
  cluster:
    server: https://c2
    certificate-authority: certs/ca.pem
    insecure-skip-tls-verify: true
users:
- name: u1
  user:
    token: abc
    client-certificate: rel/cert.pem
    client-key: /abs/key.pem
- name: u2
  user:
    tokenFile: tok
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./bin/get-token
      args: ["--cluster", "c1"]
      env:
      - name: AWS_PROFILE
        value: dev
      installHint: install get-token
      provideClusterInfo: true
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: team}
- name: dev
  context: {cluster: ignored, user: ignored}
)");
  CVM_ASSERT_OK_AND_ASSIGN(Kubeconfig kc,
                           ParseKubeconfig(text, "/home/me/.kube", "cfg"));
  EXPECT_EQ(kc.current_context, "dev");
  ASSERT_EQ(kc.clusters.size(), 2u);
  const KubeconfigCluster& c1 = kc.clusters.at("c1");
  EXPECT_EQ(c1.server, "https://10.0.0.1:6443");
  EXPECT_EQ(c1.certificate_authority_data, kCaPem);
  EXPECT_EQ(c1.tls_server_name, "api.internal");
  EXPECT_EQ(c1.proxy_url, "socks5://proxy:1080");
  EXPECT_FALSE(c1.insecure_skip_tls_verify);
  const KubeconfigCluster& c2 = kc.clusters.at("c2");
  EXPECT_EQ(c2.certificate_authority, "/home/me/.kube/certs/ca.pem");
  EXPECT_TRUE(c2.insecure_skip_tls_verify);
  const KubeconfigUser& u1 = kc.users.at("u1");
  EXPECT_EQ(u1.token, "abc");
  EXPECT_EQ(u1.client_certificate, "/home/me/.kube/rel/cert.pem");
  EXPECT_EQ(u1.client_key, "/abs/key.pem");
  const KubeconfigUser& u2 = kc.users.at("u2");
  EXPECT_EQ(u2.token_file, "/home/me/.kube/tok");
  ASSERT_TRUE(u2.exec.has_value());
  EXPECT_EQ(u2.exec->api_version, "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(u2.exec->command, "/home/me/.kube/./bin/get-token");
  EXPECT_THAT(u2.exec->args, ElementsAre("--cluster", "c1"));
  EXPECT_THAT(u2.exec->env, ElementsAre(Pair("AWS_PROFILE", "dev")));
  EXPECT_EQ(u2.exec->install_hint, "install get-token");
  EXPECT_TRUE(u2.exec->provide_cluster_info);
  // The first "dev" wins within one file.
  EXPECT_EQ(kc.contexts.at("dev").cluster, "c1");
  EXPECT_EQ(kc.contexts.at("dev").ns, "team");
}

TEST(ParseKubeconfigTest, BareExecCommandIsLookedUpInPath) {
  CVM_ASSERT_OK_AND_ASSIGN(Kubeconfig kc, ParseKubeconfig(R"({
    "users": [{"name": "u", "user": {"exec": {
      "apiVersion": "client.authentication.k8s.io/v1",
      "command": "aws", "args": ["eks", "get-token"]}}}]})",
                                                          "/d", "json-cfg"));
  EXPECT_EQ(kc.users.at("u").exec->command, "aws");
}

// Found by kubeconfig_fuzzer: aliases of aliases expand exponentially; the
// parser refuses the file instead of building 10^9 nodes.
TEST(ParseKubeconfigTest, RejectsAliasExpansionBombs) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    absl::StrAppend(&text, "a", i, ": &a", i, " [");
    for (int j = 0; j < 10; ++j) {
      absl::StrAppend(&text, j ? ", " : "", "*a", i - 1);
    }
    absl::StrAppend(&text, "]\n");
  }
  absl::StrAppend(&text, "clusters: *a8\n");
  EXPECT_THAT(ParseKubeconfig(text, "/d", "bomb.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("kubeconfig bomb.yaml is too large"),
                             HasSubstr("aliases"))));
  // Aliases within the budget still work.
  CVM_ASSERT_OK_AND_ASSIGN(
      Kubeconfig kc,
      ParseKubeconfig("c: &c {server: https://a}\n"
                      "clusters:\n- {name: a, cluster: *c}\n"
                      "- {name: b, cluster: *c}\n",
                      "/d", "aliases.yaml"));
  EXPECT_EQ(kc.clusters.at("b").server, "https://a");
}

TEST(ParseKubeconfigTest, RejectsMalformedFiles) {
  struct Case {
    std::string name;
    std::string text;
    std::string message;
  };
  std::vector<Case> cases = {
      {"yaml syntax", "clusters: [a, b\n", "is not valid YAML: line"},
      {"not a map", "- a\n- b\n", "is not a YAML map"},
      {"clusters not a list", "clusters: {a: 1}\n", "clusters is not a list"},
      {"entry without name", "users:\n- user: {token: x}\n", "has no name"},
      {"bad base64",
       "clusters:\n- name: c\n  cluster: {certificate-authority-data: '!!!'}\n",
       "certificate-authority-data is not valid base64"},
      {"bad bool",
       "clusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: maybe}\n",
       "must be true or false"},
      {"exec without command",
       "users:\n- name: u\n  user:\n    exec: {apiVersion: "
       "client.authentication.k8s.io/v1}\n",
       "exec has no command"},
      {"exec alpha",
       "users:\n- name: u\n  user:\n    exec: {command: x, apiVersion: "
       "client.authentication.k8s.io/v1alpha1}\n",
       "is not supported"},
      {"wrong kind", "kind: Pod\n", "has kind \"Pod\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        ParseKubeconfig(c.text, "/d", "f.yaml"),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 ::testing::AllOf(HasSubstr("f.yaml"), HasSubstr(c.message))));
  }
}

TEST(ParseKubeconfigTest, EmptyFileIsEmptyConfig) {
  CVM_ASSERT_OK_AND_ASSIGN(Kubeconfig kc, ParseKubeconfig("", "/d", "f"));
  EXPECT_TRUE(kc.clusters.empty());
  EXPECT_EQ(kc.current_context, "");
}

TEST(LoadMergedKubeconfigTest, FirstFileWinsPerNameAndForCurrentContext) {
  TempDir dir;
  std::string a = dir.Write("a/config", R"(
clusters:
- name: shared
  cluster: {server: https://from-a}
users:
- name: ua
  user: {token: ta}
contexts:
- name: ctx-a
  context: {cluster: shared, user: ua}
)");
  std::string b = dir.Write("b/config", R"(
current-context: ctx-b
clusters:
- name: shared
  cluster: {server: https://from-b}
- name: only-b
  cluster: {server: https://only-b, certificate-authority: ca.pem}
contexts:
- name: ctx-b
  context: {cluster: only-b, user: ua}
)");
  std::string c = dir.Write("c/config", "current-context: ctx-c\n");
  CVM_ASSERT_OK_AND_ASSIGN(Kubeconfig kc, LoadMergedKubeconfig({a, "", b, c}));
  EXPECT_EQ(kc.current_context, "ctx-b");
  EXPECT_EQ(kc.clusters.at("shared").server, "https://from-a");
  EXPECT_EQ(kc.clusters.at("shared").origin, a);
  // Relative paths resolve against the file that defined them.
  EXPECT_EQ(kc.clusters.at("only-b").certificate_authority,
            dir.path() + "/b/ca.pem");
  EXPECT_EQ(kc.contexts.size(), 2u);

  EXPECT_THAT(LoadMergedKubeconfig({a, dir.path() + "/missing"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
}

}  // namespace
}  // namespace cvm::kube
