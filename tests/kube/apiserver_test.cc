// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// kube::Client against the real local control plane of tests/cluster
// (kube-apiserver 1.20.2 + etcd + controller manager + scheduler + node
// simulator). Run by ctest with the cvm_cluster fixture, which sets
// CVM_CLUSTER_DIR. Without a cluster the tests are skipped, unless
// CVM_REQUIRE_CLUSTER=1, when they fail.

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/kube/client.h"
#include "provider/kube/config.h"
#include "provider/kube/curl_transport.h"
#include "provider/kube/errors.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_files.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::cvm::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using json = nlohmann::json;
using ::cvm::testing::ReadFile;

// The cluster's env file as a map; empty when there is no cluster.
std::map<std::string, std::string> ClusterEnv() {
  std::map<std::string, std::string> vars;
  const char* dir = std::getenv("CVM_CLUSTER_DIR");
  if (dir == nullptr) return vars;
  std::ifstream in(std::string(dir) + "/env");
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return vars;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = ClusterEnv();
    if (env_.empty()) {
      const char* require = std::getenv("CVM_REQUIRE_CLUSTER");
      if (require != nullptr && std::string(require) == "1") {
        FAIL()
            << "CVM_REQUIRE_CLUSTER=1 but no cluster env under CVM_CLUSTER_DIR";
      }
      GTEST_SKIP()
          << "no local control plane (CVM_CLUSTER_DIR unset or not started)";
    }
    ns_ = absl::StrCat("kube-it-", ::getpid(), "-",
                       ::testing::UnitTest::GetInstance()->random_seed(), "-",
                       counter_++);
    CVM_ASSERT_OK_AND_ASSIGN(admin_, Connect(AdminOptions()));
    ASSERT_THAT(admin_->Apply({{"apiVersion", "v1"},
                               {"kind", "Namespace"},
                               {"metadata", {{"name", ns_}}}}),
                IsOk());
  }

  void TearDown() override {
    if (admin_ != nullptr) {
      (void)admin_->Delete({"v1", "Namespace", "", ns_});
    }
  }

  ConfigOptions AdminOptions() {
    ConfigOptions o;
    o.config_path = env_["CVM_KUBECONFIG"];
    return o;
  }

  absl::StatusOr<std::unique_ptr<Client>> Connect(const ConfigOptions& o,
                                                  double qps = 0) {
    absl::StatusOr<RestConfig> rc =
        ResolveConfig(o, Environment::FromMap({}, "/nonexistent"));
    if (!rc.ok()) return rc.status();
    rc->qps = qps;
    rc->burst = 1;
    return Client::Create(*rc);
  }

  json ConfigMap(const std::string& name, const std::string& value) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns_}}},
            {"data", {{"key", value}}}};
  }

  static int counter_;
  std::map<std::string, std::string> env_;
  std::string ns_;
  std::unique_ptr<Client> admin_;
};

int ApiServerTest::counter_ = 0;

TEST_F(ApiServerTest, EveryAuthenticationMode) {
  TempDir dir;
  std::string plugin = dir.Write(
      "token.sh",
      absl::StrCat("#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication."
                   "k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{"
                   "\"token\":\"%s\"}}' \"$ADMIN_TOKEN\"\n"),
      0755);
  std::map<std::string, ConfigOptions> modes;
  modes["client certificate (kubeconfig, inline data)"] = AdminOptions();
  ConfigOptions token_ctx;
  token_ctx.config_path = env_["CVM_KUBECONFIG_TOKEN"];
  token_ctx.config_context = "admin";
  modes["token (kubeconfig context, CA file)"] = token_ctx;
  ConfigOptions explicit_options;
  explicit_options.host = env_["KUBE_HOST"];
  explicit_options.cluster_ca_certificate = ReadFile(env_["KUBE_CA_FILE"]);
  explicit_options.client_certificate = ReadFile(env_["KUBE_CLIENT_CERT_FILE"]);
  explicit_options.client_key = ReadFile(env_["KUBE_CLIENT_KEY_FILE"]);
  modes["explicit host, CA, client certificate"] = explicit_options;
  ConfigOptions exec = explicit_options;
  exec.client_certificate.reset();
  exec.client_key.reset();
  ExecConfig e;
  e.api_version = "client.authentication.k8s.io/v1beta1";
  e.command = plugin;
  e.env = {{"ADMIN_TOKEN", env_["KUBE_TOKEN_ADMIN"]}};
  exec.exec = e;
  modes["exec plugin"] = exec;
  for (const auto& [name, options] : modes) {
    SCOPED_TRACE(name);
    CVM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> c, Connect(options));
    CVM_ASSERT_OK_AND_ASSIGN(ServerVersion v, c->GetServerVersion());
    EXPECT_EQ(v.git_version, "v1.20.2");
    EXPECT_THAT(c->Get({"v1", "Namespace", "", ns_}), IsOk());
  }
}

TEST_F(ApiServerTest, ErrorMappingFromTheRealServer) {
  EXPECT_THAT(admin_->Get({"v1", "ConfigMap", ns_, "absent"}),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("GET configmaps " + ns_ + "/absent on " +
                                       env_["KUBE_HOST"]),
                             HasSubstr("404 NotFound"))));
  ConfigOptions nobody;
  nobody.config_path = env_["CVM_KUBECONFIG_TOKEN"];
  nobody.config_context = "nobody";
  CVM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> c, Connect(nobody));
  EXPECT_THAT(
      c->Apply(ConfigMap("x", "y")),
      StatusIs(absl::StatusCode::kPermissionDenied,
               AllOf(HasSubstr("403 Forbidden"), HasSubstr("cvm-nobody"))));
  ConfigOptions bad_token;
  bad_token.host = env_["KUBE_HOST"];
  bad_token.cluster_ca_certificate = ReadFile(env_["KUBE_CA_FILE"]);
  bad_token.token = "not-a-valid-token";
  CVM_ASSERT_OK_AND_ASSIGN(c, Connect(bad_token));
  EXPECT_THAT(c->Get({"v1", "Namespace", "", ns_}),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("401"),
                             ::testing::Not(HasSubstr("not-a-valid")))));
  // 422 with field causes.
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "invalid"}, {"namespace", ns_}}},
              {"spec", {{"containers", {{{"name", "main"}}}}}}};
  absl::StatusOr<json> got = admin_->Apply(pod);
  EXPECT_THAT(got,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("spec.containers[0].image: Required value")));
  std::optional<ApiError> error = GetApiError(got.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->http_status, 422);
  ASSERT_FALSE(error->causes.empty());
  EXPECT_EQ(error->causes[0].field, "spec.containers[0].image");
}

TEST_F(ApiServerTest, ServerSideApplyIsIdempotentAndReportsConflicts) {
  CVM_ASSERT_OK_AND_ASSIGN(json first, admin_->Apply(ConfigMap("cm", "one")));
  CVM_ASSERT_OK_AND_ASSIGN(json second, admin_->Apply(ConfigMap("cm", "one")));
  EXPECT_EQ(first["metadata"]["resourceVersion"],
            second["metadata"]["resourceVersion"]);

  ApplyOptions other;
  other.field_manager = "kubectl-edit";
  absl::StatusOr<json> conflict = admin_->Apply(ConfigMap("cm", "two"), other);
  EXPECT_THAT(
      conflict,
      StatusIs(absl::StatusCode::kAborted,
               AllOf(HasSubstr("409 Conflict"),
                     HasSubstr("field manager \"terraform-provider-cvm\""),
                     HasSubstr("force = true"))));
  other.force = true;
  CVM_ASSERT_OK_AND_ASSIGN(json forced,
                           admin_->Apply(ConfigMap("cm", "two"), other));
  EXPECT_EQ(forced["data"]["key"], "two");

  ApplyOptions dry;
  dry.dry_run = true;
  CVM_ASSERT_OK_AND_ASSIGN(json dry_obj,
                           admin_->Apply(ConfigMap("dry", "x"), dry));
  EXPECT_EQ(dry_obj["data"]["key"], "x");
  EXPECT_THAT(admin_->Get({"v1", "ConfigMap", ns_, "dry"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("404")));

  CVM_ASSERT_OK_AND_ASSIGN(ListResult list,
                           admin_->List("v1", "ConfigMap", ns_));
  EXPECT_GE(list.items.size(), 1u);
}

TEST_F(ApiServerTest, PodBecomesReadyThenIsDeleted) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "ws"}, {"namespace", ns_}}},
              {"spec",
               {{"containers", {{{"name", "main"}, {"image", "busybox"}}}},
                {"terminationGracePeriodSeconds", 1}}}};
  ObjectRef ref{"v1", "Pod", ns_, "ws"};
  // The service-account controller must have made the default account.
  absl::Time until = absl::Now() + absl::Seconds(30);
  absl::StatusOr<json> applied;
  do {
    applied = admin_->Apply(pod);
    if (applied.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < until);
  ASSERT_THAT(applied, IsOk());
  CVM_ASSERT_OK_AND_ASSIGN(
      json ready, admin_->WaitFor(ref, HasCondition("Ready"),
                                  absl::Now() + absl::Seconds(60), nullptr));
  EXPECT_EQ(ready["status"]["phase"], "Running");
  CVM_ASSERT_OK_AND_ASSIGN(std::vector<Event> events, admin_->Events(ref));
  bool scheduled = false;
  for (const Event& e : events)
    scheduled = scheduled || e.reason == "Scheduled";
  EXPECT_TRUE(scheduled);

  DeleteOptions del;
  del.uid = ready["metadata"]["uid"].get<std::string>();
  ASSERT_THAT(admin_->Delete(ref, del), IsOk());
  EXPECT_THAT(
      admin_->WaitForDeletion(ref, absl::Now() + absl::Seconds(60), nullptr),
      IsOk());
  EXPECT_THAT(admin_->Get(ref),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("404")));
}

TEST_F(ApiServerTest, RateLimitAndConnectionReuse) {
  CVM_ASSERT_OK_AND_ASSIGN(
      RestConfig rc, ResolveConfig(AdminOptions(), Environment::FromMap({})));
  rc.qps = 20;
  rc.burst = 1;
  CVM_ASSERT_OK_AND_ASSIGN(
      auto transport, CurlTransport::Create(CurlTransport::OptionsFrom(rc)));
  CurlTransport* curl = transport.get();
  CVM_ASSERT_OK_AND_ASSIGN(auto client,
                           Client::Create(rc, std::move(transport)));
  absl::Time start = absl::Now();
  for (int i = 0; i < 21; ++i) {
    ASSERT_THAT(client->Get({"v1", "Namespace", "", ns_}), IsOk());
  }
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(950));
  EXPECT_EQ(client->Stats().get, 21);
  EXPECT_EQ(curl->stats().connections, 1);
  EXPECT_EQ(curl->stats().http2, 21);
}

}  // namespace
}  // namespace cvm::kube
