// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The FakeApiServer (tests/testing) answers kube::Client as the API server
// would, so resource tests built on it mean something.

#include "tests/testing/fake_api_server.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/kube/client.h"
#include "tests/testing/status_matchers.h"

namespace cvm::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kube::RestConfig config;
    config.host = "https://fake:6443";
    kube::ClientHooks hooks;
    hooks.clock = &clock_;
    hooks.random = [] { return 0.0; };
    auto client = kube::Client::Create(config, server_->NewTransport(), hooks);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  static nlohmann::json Pod(const std::string& name, const std::string& app) {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"name", name}, {"namespace", "ns"}, {"labels", {{"app", app}}}}},
            {"spec", {{"containers", {{{"name", "dev"}, {"image", "x"}}}}}}};
  }

  FakeClock clock_;
  std::shared_ptr<FakeApiServer> server_ =
      std::make_shared<FakeApiServer>(&clock_);
  std::unique_ptr<kube::Client> client_;
};

TEST_F(FakeApiServerTest, ApplyCreatesThenGetListAndDelete) {
  const kube::ApplyOptions apply{.field_manager = "test"};
  ASSERT_THAT(client_->Apply(Pod("a", "x"), apply), IsOk());
  ASSERT_THAT(client_->Apply(Pod("b", "y"), apply), IsOk());
  absl::StatusOr<nlohmann::json> a = client_->Get({"v1", "Pod", "ns", "a"});
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ((*a)["status"]["phase"], "Running");  // PodPolicy::kReady
  EXPECT_FALSE((*a)["metadata"]["uid"].get<std::string>().empty());

  kube::ListOptions list;
  list.label_selector = "app=y";
  absl::StatusOr<kube::ListResult> listed =
      client_->List("v1", "Pod", "ns", list);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0]["metadata"]["name"], "b");
  absl::StatusOr<kube::ListResult> everywhere = client_->List("v1", "Pod", "");
  ASSERT_THAT(everywhere, IsOk());
  EXPECT_EQ(everywhere->items.size(), 2u);

  ASSERT_THAT(client_->Delete({"v1", "Pod", "ns", "a"}), IsOk());
  EXPECT_THAT(client_->Get({"v1", "Pod", "ns", "a"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("pods/a")));
}

TEST_F(FakeApiServerTest,
       AWaitForWhatNeverHappensRunsIntoItsDeadlineInVirtualTime) {
  server_->set_pod_policy(FakeApiServer::PodPolicy::kPending);
  ASSERT_THAT(client_->Apply(Pod("p", "x"), {.field_manager = "test"}), IsOk());
  const absl::Time deadline = clock_.Now() + absl::Minutes(10);
  absl::StatusOr<nlohmann::json> ready = client_->WaitFor(
      {"v1", "Pod", "ns", "p"},
      [](const nlohmann::json& pod) -> absl::StatusOr<bool> {
        return pod.contains("status");
      },
      deadline, nullptr);
  EXPECT_THAT(ready, StatusIs(absl::StatusCode::kDeadlineExceeded,
                              HasSubstr("timed out waiting for pods ns/p")));
  EXPECT_GE(clock_.Now(), deadline);
}

TEST_F(FakeApiServerTest, AQueuedReplyAnswersOnceBeforeTheStore) {
  server_->Put(Pod("p", "x"));
  server_->PushReply("GET", "/api/v1/namespaces/ns/pods/p",
                     Reply::Status(403, "Forbidden", "no"));
  EXPECT_THAT(client_->Get({"v1", "Pod", "ns", "p"}),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("no")));
  EXPECT_THAT(client_->Get({"v1", "Pod", "ns", "p"}), IsOk());
  EXPECT_THAT(server_->log(), ElementsAre("GET /api/v1/namespaces/ns/pods/p",
                                          "GET /api/v1/namespaces/ns/pods/p"));
}

}  // namespace
}  // namespace cvm::testing
