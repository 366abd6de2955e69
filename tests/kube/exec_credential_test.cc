// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/exec_credential.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/kube/curl_transport.h"
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

constexpr char kV1[] = "client.authentication.k8s.io/v1";
constexpr char kV1beta1[] = "client.authentication.k8s.io/v1beta1";

ExecConfig Exec(const std::string& command,
                std::vector<std::string> args = {}) {
  ExecConfig e;
  e.api_version = kV1;
  e.command = command;
  e.args = std::move(args);
  return e;
}

TEST(ParseExecCredentialTest, AcceptsTokenAndCertificates) {
  CVM_ASSERT_OK_AND_ASSIGN(
      ExecCredential c,
      ParseExecCredential(
          R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
              "status":{"token":"tok","expirationTimestamp":"2030-01-02T03:04:05Z"}})",
          kV1beta1));
  EXPECT_EQ(c.token, "tok");
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_EQ(*c.expiration, absl::FromUnixSeconds(1893553445));

  CVM_ASSERT_OK_AND_ASSIGN(
      c,
      ParseExecCredential(
          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
                 "status":{"clientCertificateData":"CERT","clientKeyData":"KEY"}})",
          kV1));
  EXPECT_EQ(c.client_certificate_pem, "CERT");
  EXPECT_EQ(c.client_key_pem, "KEY");
  EXPECT_FALSE(c.expiration.has_value());
}

TEST(ParseExecCredentialTest, RejectsBadOutputWithoutEchoingIt) {
  struct Case {
    std::string name;
    std::string output;
    std::string message;
  };
  std::vector<Case> cases = {
      {"not json", "secret-token-text", "not a JSON object"},
      {"wrong version",
       R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"secret-token-text"}})",
       "expected \"client.authentication.k8s.io/v1\""},
      {"wrong kind",
       R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod"})",
       "kind is not ExecCredential"},
      {"no status",
       R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})",
       "no status"},
      {"empty status",
       R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})",
       "neither token"},
      {"cert without key",
       R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"secret-token-text"}})",
       "must come together"},
      {"bad expiry",
       R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"secret-token-text","expirationTimestamp":"tomorrow"}})",
       "not RFC 3339"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(ParseExecCredential(c.output, kV1),
                StatusIs(absl::StatusCode::kUnauthenticated,
                         AllOf(HasSubstr(c.message),
                               Not(HasSubstr("secret-token-text")))));
  }
}

TEST(ExecInfoJsonTest, IncludesClusterOnlyWhenAsked) {
  RestConfig rc;
  rc.host = "https://h:6443";
  rc.ca_pem = "PEM";
  rc.tls_server_name = "kubernetes";
  ExecConfig exec = Exec("x");
  nlohmann::json info = nlohmann::json::parse(ExecInfoJson(exec, rc));
  EXPECT_EQ(info, nlohmann::json::parse(
                      R"({"apiVersion":"client.authentication.k8s.io/v1",
                          "kind":"ExecCredential","spec":{"interactive":false}})"));
  exec.provide_cluster_info = true;
  info = nlohmann::json::parse(ExecInfoJson(exec, rc));
  EXPECT_EQ(info["spec"]["cluster"],
            nlohmann::json::parse(R"({"server":"https://h:6443",
                                      "certificate-authority-data":"UEVN",
                                      "tls-server-name":"kubernetes"})"));
}

TEST(RunExecPluginTest, PassesArgsEnvAndExecInfo) {
  TempDir dir;
  std::string script = dir.Write("plugin.sh", R"(#!/bin/sh
printf '{"args":"%s %s","env":"%s","info":%s}' "$1" "$2" "$PLUGIN_ENV" "$KUBERNETES_EXEC_INFO"
)",
                                 0755);
  ExecConfig exec = Exec(script, {"--a", "b c"});
  exec.env = {{"PLUGIN_ENV", "from-config"}};
  CVM_ASSERT_OK_AND_ASSIGN(
      std::string out, RunExecPlugin(exec, R"({"kind":"ExecCredential"})",
                                     absl::Now() + absl::Seconds(10), nullptr));
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["args"], "--a b c");
  EXPECT_EQ(j["env"], "from-config");
  EXPECT_EQ(j["info"]["kind"], "ExecCredential");
}

TEST(RunExecPluginTest, PluginsDoNotInheritWhatTheProviderAddedForCurl) {
  // Runs before any thread of this test binary is started.
  ASSERT_EQ(std::getenv("GNUTLS_NO_IMPLICIT_INIT"), nullptr)
      << "the test needs an environment without GNUTLS_NO_IMPLICIT_INIT";
  PrepareEnvironmentForCurl();
  EXPECT_STREQ(std::getenv("GNUTLS_NO_IMPLICIT_INIT"), "1");
  EXPECT_TRUE(ProviderAddedEnvironmentVariable("GNUTLS_NO_IMPLICIT_INIT"));
  EXPECT_FALSE(ProviderAddedEnvironmentVariable("PATH"));

  TempDir dir;
  std::string script = dir.Write("plugin.sh", R"(#!/bin/sh
printf '{"gnutls":"%s","set":"%s"}' "$GNUTLS_NO_IMPLICIT_INIT" "${GNUTLS_NO_IMPLICIT_INIT+set}"
)",
                                 0755);
  CVM_ASSERT_OK_AND_ASSIGN(
      std::string out,
      RunExecPlugin(Exec(script, {}), R"({"kind":"ExecCredential"})",
                    absl::Now() + absl::Seconds(10), nullptr));
  EXPECT_EQ(nlohmann::json::parse(out, nullptr, false),
            nlohmann::json({{"gnutls", ""}, {"set", ""}}))
      << out;
  // A plugin's own configuration may still set it.
  ExecConfig exec = Exec(script, {});
  exec.env = {{"GNUTLS_NO_IMPLICIT_INIT", "1"}};
  CVM_ASSERT_OK_AND_ASSIGN(
      out, RunExecPlugin(exec, R"({"kind":"ExecCredential"})",
                         absl::Now() + absl::Seconds(10), nullptr));
  EXPECT_EQ(nlohmann::json::parse(out, nullptr, false),
            nlohmann::json({{"gnutls", "1"}, {"set", "set"}}))
      << out;
  ::unsetenv("GNUTLS_NO_IMPLICIT_INIT");
}

TEST(RunExecPluginTest, ReportsFailures) {
  TempDir dir;
  std::string failing = dir.Write(
      "fail.sh", "#!/bin/sh\necho 'token expired, run login' >&2\nexit 3\n",
      0755);
  std::string slow = dir.Write("slow.sh", "#!/bin/sh\nexec sleep 30\n", 0755);
  ExecConfig missing = Exec(dir.path() + "/absent");
  missing.install_hint = "Install it with: apt-get install absent";

  EXPECT_THAT(RunExecPlugin(Exec(failing), "{}",
                            absl::Now() + absl::Seconds(10), nullptr),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("failed with exit code 3"),
                             HasSubstr("token expired, run login"))));
  EXPECT_THAT(
      RunExecPlugin(missing, "{}", absl::Now() + absl::Seconds(10), nullptr),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("could not be started"),
                     HasSubstr("Install it with"))));
  absl::Time start = absl::Now();
  EXPECT_THAT(RunExecPlugin(Exec(slow), "{}",
                            absl::Now() + absl::Milliseconds(200), nullptr),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("did not finish")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));

  CancelToken cancel;
  cancel.Cancel();
  EXPECT_THAT(RunExecPlugin(Exec(slow), "{}", absl::InfiniteFuture(), &cancel),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
}

}  // namespace
}  // namespace cvm::kube
