// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/client.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/kube/errors.h"
#include "provider/util/log.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_transport.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::FakeClock;
using ::cvm::testing::FakeTransport;
using ::cvm::testing::IsOk;
using ::cvm::testing::IsOkAndHolds;
using ::cvm::testing::Reply;
using ::cvm::testing::StatusIs;
using ::cvm::testing::TempDir;
using ::cvm::testing::WatchEvent;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using json = nlohmann::json;

constexpr char kServer[] = "https://127.0.0.1:6443";
constexpr char kPodPath[] = "/api/v1/namespaces/default/pods/ws-1";
constexpr char kPodsPath[] = "/api/v1/namespaces/default/pods";
const ObjectRef kPod{"v1", "Pod", "default", "ws-1"};

json Pod(const std::string& rv, bool ready = false,
         const std::string& uid = "uid-1") {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", "ws-1"},
            {"namespace", "default"},
            {"uid", uid},
            {"resourceVersion", rv}}},
          {"status",
           {{"conditions",
             {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

RestConfig Config() {
  RestConfig rc;
  rc.host = kServer;
  rc.token = "secret-token";
  rc.qps = 0;  // unlimited unless a test says otherwise
  return rc;
}

// A client on a FakeTransport and a FakeClock, with jitter fixed at 0.5.
struct Harness {
  explicit Harness(RestConfig rc = Config(), bool fake_clock = true) {
    auto t = std::make_unique<FakeTransport>();
    transport = t.get();
    ClientHooks hooks;
    if (fake_clock) hooks.clock = &clock;
    hooks.random = [] { return 0.5; };
    absl::StatusOr<std::unique_ptr<Client>> c =
        Client::Create(std::move(rc), std::move(t), hooks);
    EXPECT_THAT(c, IsOk());
    client = std::move(*c);
  }
  ~Harness() { EXPECT_EQ(transport->unmatched(), 0); }

  std::string Header(size_t i, const std::string& name) const {
    auto requests = transport->requests();
    if (i >= requests.size()) return "<no request>";
    for (const auto& [k, v] : requests[i].headers) {
      if (k == name) return v;
    }
    return "<absent>";
  }

  FakeClock clock;
  FakeTransport* transport = nullptr;
  std::unique_ptr<Client> client;
};

TEST(ClientTest, GetSendsAuthAndReturnsTheObject) {
  Harness h;
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("5")));
  CVM_ASSERT_OK_AND_ASSIGN(json pod, h.client->Get(kPod));
  EXPECT_EQ(pod, Pod("5"));
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, kPodPath);
  EXPECT_EQ(requests[0].body, "");
  EXPECT_EQ(requests[0].timeout, absl::Seconds(60));
  EXPECT_EQ(h.Header(0, "Authorization"), "Bearer secret-token");
  EXPECT_EQ(h.Header(0, "Accept"), "application/json");
  EXPECT_EQ(h.Header(0, "User-Agent"), "terraform-provider-cvm");
}

TEST(ClientTest, ErrorsAreMappedAndNameVerbObjectServer) {
  struct Case {
    std::string name;
    Reply reply;
    absl::StatusCode code;
    std::string message;
  };
  std::vector<Case> cases = {
      {"404", Reply::Status(404, "NotFound", "pods \"ws-1\" not found"),
       absl::StatusCode::kNotFound,
       "GET pods default/ws-1 on https://127.0.0.1:6443: 404 NotFound: pods "
       "\"ws-1\" not found"},
      {"403",
       Reply::Status(403, "Forbidden",
                     "pods \"ws-1\" is forbidden: User \"bob\" cannot get"),
       absl::StatusCode::kPermissionDenied,
       "403 Forbidden: pods \"ws-1\" is forbidden"},
      {"401", Reply::Status(401, "Unauthorized", "Unauthorized"),
       absl::StatusCode::kUnauthenticated, "401 Unauthorized"},
      {"transport",
       Reply::Error(absl::FailedPreconditionError("TLS error: bad cert")),
       absl::StatusCode::kFailedPrecondition,
       "GET pods default/ws-1 on https://127.0.0.1:6443: TLS error"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Harness h;
    h.transport->Push("GET", kPodPath, c.reply);
    absl::StatusOr<json> got = h.client->Get(kPod);
    EXPECT_THAT(got, StatusIs(c.code, AllOf(HasSubstr(c.message),
                                            Not(HasSubstr("secret-token")))));
    EXPECT_EQ(h.transport->requests().size(), 1u);
  }
}

TEST(ClientTest, ListFollowsContinueAndFillsKinds) {
  Harness h;
  h.transport->Push(
      "GET", kPodsPath,
      Reply::Json(
          200, {{"kind", "PodList"},
                {"metadata", {{"resourceVersion", "10"}, {"continue", "c/1"}}},
                {"items", {{{"metadata", {{"name", "a"}}}}}}}));
  h.transport->Push(
      "GET", kPodsPath,
      Reply::Json(200, {{"kind", "PodList"},
                        {"metadata", {{"resourceVersion", "11"}}},
                        {"items", {{{"metadata", {{"name", "b"}}}}}}}));
  ListOptions list;
  list.label_selector = "app=cvm,tier in (a,b)";
  CVM_ASSERT_OK_AND_ASSIGN(ListResult result,
                           h.client->List("v1", "Pod", "default", list));
  ASSERT_EQ(result.items.size(), 2u);
  EXPECT_EQ(result.items[1], json({{"apiVersion", "v1"},
                                   {"kind", "Pod"},
                                   {"metadata", {{"name", "b"}}}}));
  EXPECT_EQ(result.resource_version, "11");
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path,
            "/api/v1/namespaces/default/"
            "pods?labelSelector=app%3Dcvm%2Ctier%20in%20%28a%2Cb%29&limit=500");
  EXPECT_THAT(requests[1].path, HasSubstr("&continue=c%2F1"));
  EXPECT_EQ(h.client->Stats().list, 2);
}

TEST(ClientTest, ListHandsItemsToOnItemPageByPageAndKeepsNone) {
  Harness h;
  h.transport->Push("GET", kPodsPath,
                    Reply::Json(200, {{"kind", "PodList"},
                                      {"metadata", {{"continue", "c1"}}},
                                      {"items",
                                       {{{"metadata", {{"name", "a"}}}},
                                        {{"metadata", {{"name", "b"}}}}}}}));
  h.transport->Push(
      "GET", kPodsPath,
      Reply::Json(200, {{"kind", "PodList"},
                        {"metadata", {{"resourceVersion", "9"}}},
                        {"items", {{{"metadata", {{"name", "c"}}}}}}}));
  std::vector<std::string> seen;
  size_t requests_when_c_arrived = 0;
  ListOptions list;
  list.page_size = 2;
  list.on_item = [&](json item) {
    EXPECT_EQ(item["kind"], "Pod");
    EXPECT_EQ(item["apiVersion"], "v1");
    seen.push_back(item["metadata"]["name"]);
    if (seen.back() == "c") {
      requests_when_c_arrived = h.transport->requests().size();
    }
    // Items of the first page arrive before the second page is requested.
    if (seen.back() == "b") {
      EXPECT_EQ(h.transport->requests().size(), 1u);
    }
  };
  CVM_ASSERT_OK_AND_ASSIGN(ListResult result,
                           h.client->List("v1", "Pod", "default", list));
  EXPECT_THAT(seen, ElementsAre("a", "b", "c"));
  EXPECT_EQ(requests_when_c_arrived, 2u);
  EXPECT_TRUE(result.items.empty());
  EXPECT_EQ(result.resource_version, "9");
  EXPECT_THAT(h.transport->requests()[0].path, HasSubstr("limit=2"));
}

TEST(ClientTest, ListIdentityOnlyKeepsTheMetadataThatNamesEachItem) {
  Harness h;
  const json item = {{"metadata",
                      {{"name", "a"},
                       {"namespace", "default"},
                       {"uid", "u1"},
                       {"resourceVersion", "5"},
                       {"labels", {{"app", "cvm"}}},
                       {"annotations", {{"big", std::string(1000, 'x')}}},
                       {"managedFields", {{{"manager", "m"}}}}}},
                     {"spec", {{"containers", {{{"name", "c"}}}}}},
                     {"status", {{"phase", "Running"}}}};
  h.transport->Push("GET", kPodsPath,
                    Reply::Json(200, {{"kind", "PodList"},
                                      {"metadata", {{"resourceVersion", "9"}}},
                                      {"items", {item}}}));
  ListOptions list;
  list.identity_only = true;
  CVM_ASSERT_OK_AND_ASSIGN(ListResult result,
                           h.client->List("v1", "Pod", "default", list));
  ASSERT_EQ(result.items.size(), 1u);
  EXPECT_EQ(result.items[0], json({{"apiVersion", "v1"},
                                   {"kind", "Pod"},
                                   {"metadata",
                                    {{"name", "a"},
                                     {"namespace", "default"},
                                     {"uid", "u1"},
                                     {"resourceVersion", "5"},
                                     {"labels", {{"app", "cvm"}}}}}}));
  EXPECT_EQ(result.resource_version, "9");
}

TEST(ClientTest, ApplyRequestShape) {
  Harness h;
  json pod = Pod("");
  pod["metadata"].erase("resourceVersion");
  h.transport->Push("PATCH", kPodPath, Reply::Json(200, Pod("7")));
  ApplyOptions apply;
  apply.field_manager = "terraform-provider-cvm";
  apply.force = true;
  apply.dry_run = true;
  CVM_ASSERT_OK_AND_ASSIGN(json got, h.client->Apply(pod, apply));
  EXPECT_EQ(got, Pod("7"));
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "PATCH");
  EXPECT_EQ(requests[0].path,
            std::string(kPodPath) +
                "?fieldManager=terraform-provider-cvm&force=true&dryRun=All");
  EXPECT_EQ(h.Header(0, "Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(json::parse(requests[0].body), pod);
  EXPECT_EQ(h.client->Stats().apply, 1);

  // Without force or dry run, neither parameter is sent.
  h.transport->Push("PATCH", kPodPath, Reply::Json(200, Pod("8")));
  ASSERT_THAT(h.client->Apply(pod), IsOk());
  EXPECT_EQ(h.transport->requests()[1].path,
            std::string(kPodPath) + "?fieldManager=terraform-provider-cvm");
}

TEST(ClientTest, ApplyWithAFieldSetParsesOnlyThoseFieldsOfTheAnswer) {
  Harness h;
  json answer = Pod("7");
  answer["spec"] = {{"nodeName", "n1"}, {"containers", {{{"name", "dev"}}}}};
  h.transport->Push("PATCH", kPodPath, Reply::Json(200, answer));
  ApplyOptions apply;
  CVM_ASSERT_OK_AND_ASSIGN(
      json got, h.client->Apply(Pod(""), apply, {},
                                FieldSet{"metadata.name", "spec.nodeName"}));
  EXPECT_EQ(got, (json{{"metadata", {{"name", "ws-1"}}},
                       {"spec", {{"nodeName", "n1"}}}}));
  EXPECT_EQ(h.client->Stats().apply, 1);
}

TEST(ClientTest, ApplyRejectsIncompleteObjectsWithoutARequest) {
  Harness h;
  json no_ns = Pod("");
  no_ns["metadata"].erase("namespace");
  EXPECT_THAT(
      h.client->Apply(no_ns),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("namespaced")));
  EXPECT_THAT(
      h.client->Apply({{"kind", "Pod"}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("apiVersion")));
  ApplyOptions no_manager;
  no_manager.field_manager = "";
  EXPECT_THAT(
      h.client->Apply(Pod(""), no_manager),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("field manager")));
  EXPECT_TRUE(h.transport->requests().empty());
}

TEST(ClientTest, ApplyConflictAndInvalid) {
  Harness h;
  h.transport->Push(
      "PATCH", kPodPath,
      Reply::Status(409, "Conflict",
                    "Apply failed with 1 conflict: conflict with \"kubectl\" "
                    "using v1: .metadata.labels.app",
                    {{"causes",
                      {{{"reason", "FieldManagerConflict"},
                        {"message", "conflict with \"kubectl\" using v1"},
                        {"field", ".metadata.labels.app"}}}}}));
  absl::StatusOr<json> got = h.client->Apply(Pod(""));
  EXPECT_THAT(got,
              StatusIs(absl::StatusCode::kAborted,
                       AllOf(HasSubstr("PATCH pods default/ws-1 on "
                                       "https://127.0.0.1:6443: 409 Conflict"),
                             HasSubstr("field manager \"kubectl\""),
                             HasSubstr("force"))));
  EXPECT_EQ(h.transport->requests().size(), 1u);  // a 409 is not retried

  h.transport->Push(
      "PATCH", kPodPath,
      Reply::Status(422, "Invalid", "Pod \"ws-1\" is invalid",
                    {{"causes",
                      {{{"reason", "FieldValueRequired"},
                        {"message", "Required value"},
                        {"field", "spec.containers[0].image"}}}}}));
  got = h.client->Apply(Pod(""));
  EXPECT_THAT(got,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("spec.containers[0].image: Required value")));
  std::optional<ApiError> error = GetApiError(got.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->http_status, 422);
  EXPECT_EQ(error->verb, "PATCH");
  EXPECT_EQ(error->object, "pods default/ws-1");
  EXPECT_EQ(error->server, kServer);
  ASSERT_EQ(error->causes.size(), 1u);
  EXPECT_EQ(error->causes[0].field, "spec.containers[0].image");
}

TEST(ClientTest, DeleteSendsOptionsAndPreconditions) {
  Harness h;
  h.transport->Push(
      "DELETE", kPodPath,
      Reply::Json(200, {{"kind", "Status"}, {"status", "Success"}}));
  DeleteOptions del;
  del.propagation_policy = "Foreground";
  del.uid = "uid-1";
  del.grace_period_seconds = 0;
  ASSERT_THAT(h.client->Delete(kPod, del), IsOk());
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "DELETE");
  EXPECT_EQ(requests[0].path, kPodPath);
  EXPECT_EQ(json::parse(requests[0].body),
            json::parse(R"({"apiVersion":"v1","kind":"DeleteOptions",
                            "propagationPolicy":"Foreground",
                            "preconditions":{"uid":"uid-1"},
                            "gracePeriodSeconds":0})"));

  h.transport->Push("DELETE", kPodPath,
                    Reply::Status(409, "Conflict",
                                  "Precondition failed: UID in precondition: "
                                  "uid-1, UID in object meta: uid-2"));
  EXPECT_THAT(
      h.client->Delete(kPod, del),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("Precondition failed")));
  h.transport->Push("DELETE", kPodPath, Reply::Status(404, "NotFound", "gone"));
  EXPECT_THAT(h.client->Delete(kPod),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("DELETE pods default/ws-1")));
}

TEST(ClientTest, DeleteAnswersNullWhenGoneElseTheObjectsMetadata) {
  Harness h;
  h.transport->Push(
      "DELETE", kPodPath,
      Reply::Json(200, {{"kind", "Status"}, {"status", "Success"}}));
  CVM_ASSERT_OK_AND_ASSIGN(json gone, h.client->Delete(kPod));
  EXPECT_TRUE(gone.is_null());
  json terminating = Pod("42");
  terminating["metadata"]["deletionTimestamp"] = "2026-11-29T06:00:00Z";
  terminating["spec"] = {{"containers", {{{"name", "dev"}}}}};
  terminating["status"] = {{"phase", "Running"}};
  terminating["data"] = {{"token", "c2VjcmV0"}};
  h.transport->Push("DELETE", kPodPath, Reply::Json(200, terminating));
  CVM_ASSERT_OK_AND_ASSIGN(json still, h.client->Delete(kPod));
  EXPECT_EQ(still, (json{{"apiVersion", terminating["apiVersion"]},
                         {"kind", terminating["kind"]},
                         {"metadata", terminating["metadata"]}}));
}

TEST(ClientTest, GetWithAFieldSetParsesOnlyThoseFields) {
  Harness h;
  const json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "ws-1", "labels": {"a": "b"},
                 "managedFields": [{"manager": "x"}],
                 "annotations": {"managedFields": "kept: a map key"}},
    "spec": {"nodeName": "n1", "dnsPolicy": "None",
             "securityContext": {"nodeName": "not this one"},
             "volumes": [{"name": "v", "hostPath": {"path": "/p"}},
                         {"name": "e", "emptyDir": {}}],
             "containers": [{"name": "dev", "image": "i",
                             "env": [{"name": "T", "value": "secret"}],
                             "volumeMounts": [{"name": "v"}]},
                            {"name": "side", "image": "j", "args": ["x"]}]},
    "status": {"phase": "Running", "conditions": [{"type": "Ready"}]}})");
  h.transport->Push("GET", kPodPath, Reply::Json(200, pod));
  h.transport->Push("GET", kPodPath, Reply::Json(200, pod));
  const FieldSet fields = {"apiVersion",
                           "metadata",
                           "spec.nodeName",
                           "spec.volumes.name",
                           "spec.volumes.hostPath",
                           "spec.containers.name",
                           "spec.containers.image",
                           "status.phase"};
  CVM_ASSERT_OK_AND_ASSIGN(json got, h.client->Get(kPod, {}, fields));
  EXPECT_EQ(got, json::parse(R"({
    "apiVersion": "v1",
    "metadata": {"name": "ws-1", "labels": {"a": "b"},
                 "annotations": {"managedFields": "kept: a map key"}},
    "spec": {"nodeName": "n1",
             "volumes": [{"name": "v", "hostPath": {"path": "/p"}},
                         {"name": "e"}],
             "containers": [{"name": "dev", "image": "i"},
                            {"name": "side", "image": "j"}]},
    "status": {"phase": "Running"}})"));
  // Nothing: an empty object.
  CVM_ASSERT_OK_AND_ASSIGN(json none, h.client->Get(kPod, {}, FieldSet{}));
  EXPECT_EQ(none, json::object());
}

TEST(ClientTest, RetriesTooManyRequestsHonouringRetryAfter) {
  Harness h;
  Reply throttled = Reply::Status(429, "TooManyRequests", "slow down");
  throttled.headers = {{"retry-after", "3"}};
  h.transport->Push("GET", kPodPath, throttled);
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("1")));
  ASSERT_THAT(h.client->Get(kPod), IsOk());
  EXPECT_THAT(h.clock.sleeps(), ElementsAre(absl::Seconds(3)));
  ClientStats stats = h.client->Stats();
  EXPECT_EQ(stats.get, 2);
  EXPECT_EQ(stats.retries, 1);
}

TEST(ClientTest, RetriesServerErrorsWithExponentialBackoffOnSafeVerbs) {
  Harness h;
  for (int i = 0; i < 3; ++i) {
    h.transport->Push(
        "GET", kPodPath,
        Reply::Status(503, "ServiceUnavailable", "etcd leader change"));
  }
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("1")));
  ASSERT_THAT(h.client->Get(kPod), IsOk());
  // 200 ms, 400 ms, 800 ms with jitter 0.5 → 3/4 of each.
  EXPECT_THAT(h.clock.sleeps(),
              ElementsAre(absl::Milliseconds(150), absl::Milliseconds(300),
                          absl::Milliseconds(600)));
}

TEST(ClientTest, GivesUpAfterMaxAttempts) {
  Harness h;
  h.transport->SetDefault("GET", kPodPath,
                          Reply::Status(500, "InternalError", "boom"));
  EXPECT_THAT(h.client->Get(kPod),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("500 InternalError: boom")));
  EXPECT_EQ(h.transport->requests().size(), 5u);
}

// Kubernetes before 1.25 answers a server-side apply of an unknown field
// with 500; the request is at fault, so it is not retried.
TEST(ClientTest, ApplyOfAFieldNotInTheSchemaIsInvalidAndNotRetried) {
  Harness h;
  h.transport->SetDefault(
      "PATCH", kPodPath,
      Reply::Status(500, "",
                    "failed to create typed patch object: "
                    ".spec.foo: field not declared in schema"));
  EXPECT_THAT(h.client->Apply(Pod("")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(".spec.foo: field not declared in schema")));
  EXPECT_EQ(h.transport->requests().size(), 1u);
}

TEST(ClientTest, RetryNeverOutlivesTheDeadline) {
  Harness h;
  Reply throttled = Reply::Status(429, "TooManyRequests", "slow down");
  throttled.headers = {{"retry-after", "100"}};
  h.transport->SetDefault("GET", kPodPath, throttled);
  RequestOptions opts;
  opts.deadline = h.clock.Now() + absl::Seconds(10);
  EXPECT_THAT(h.client->Get(kPod, opts),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("retry after 100s")));
  EXPECT_EQ(h.transport->requests().size(), 1u);
  EXPECT_TRUE(h.clock.sleeps().empty());
}

TEST(ClientTest, NonIdempotentCreateIsRetriedOnlyWhenNothingWasProcessed) {
  json pod = Pod("");
  {
    SCOPED_TRACE("503 on POST: not retried");
    Harness h;
    h.transport->Push("POST", kPodsPath,
                      Reply::Status(503, "ServiceUnavailable", "x"));
    EXPECT_THAT(h.client->Create(pod),
                StatusIs(absl::StatusCode::kUnavailable,
                         HasSubstr("POST pods default/ws-1")));
    EXPECT_EQ(h.transport->requests().size(), 1u);
  }
  {
    SCOPED_TRACE("dropped connection on POST: not retried");
    Harness h;
    h.transport->Push(
        "POST", kPodsPath,
        Reply::Error(absl::UnavailableError("connection reset by peer")));
    EXPECT_THAT(h.client->Create(pod), StatusIs(absl::StatusCode::kUnavailable,
                                                HasSubstr("connection reset")));
    EXPECT_EQ(h.transport->requests().size(), 1u);
  }
  {
    SCOPED_TRACE("429 and connection refused on POST: retried");
    Harness h;
    h.transport->Push("POST", kPodsPath,
                      Reply::Status(429, "TooManyRequests", "x"));
    h.transport->Push("POST", kPodsPath,
                      Reply::Error(MarkConnectFailure(
                          absl::UnavailableError("connection refused"))));
    h.transport->Push("POST", kPodsPath, Reply::Json(201, Pod("1")));
    EXPECT_THAT(h.client->Create(pod), IsOk());
    EXPECT_EQ(h.transport->requests().size(), 3u);
    EXPECT_EQ(h.client->Stats().create, 3);
  }
  {
    SCOPED_TRACE("409 AlreadyExists on POST");
    Harness h;
    h.transport->Push(
        "POST", kPodsPath,
        Reply::Status(409, "AlreadyExists", "pods \"ws-1\" already exists"));
    EXPECT_THAT(h.client->Create(pod),
                StatusIs(absl::StatusCode::kAlreadyExists,
                         HasSubstr("already exists")));
  }
}

TEST(ClientTest, DroppedConnectionOnGetIsRetried) {
  Harness h;
  h.transport->Push(
      "GET", kPodPath,
      Reply::Error(absl::UnavailableError("Recv failure: Connection reset")));
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("1")));
  EXPECT_THAT(h.client->Get(kPod), IsOk());
  EXPECT_EQ(h.client->Stats().retries, 1);
}

TEST(ClientTest, StaticTokenUnauthorizedIsNotRetried) {
  Harness h;
  h.transport->SetDefault("GET", kPodPath,
                          Reply::Status(401, "Unauthorized", "Unauthorized"));
  EXPECT_THAT(h.client->Get(kPod), StatusIs(absl::StatusCode::kUnauthenticated,
                                            Not(HasSubstr("secret-token"))));
  EXPECT_EQ(h.transport->requests().size(), 1u);
}

TEST(ClientTest, ExecPluginIsRerunOnceAfterUnauthorized) {
  TempDir dir;
  std::string plugin = dir.Write("plugin.sh", R"(#!/bin/sh
n=$(cat "$COUNT_FILE" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNT_FILE"
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"exec-%s"}}' "$n"
)",
                                 0755);
  RestConfig rc = Config();
  rc.token = "";
  ExecConfig exec;
  exec.api_version = "client.authentication.k8s.io/v1beta1";
  exec.command = plugin;
  exec.env = {{"COUNT_FILE", dir.path() + "/count"}};
  rc.exec = exec;
  Harness h(rc);
  h.transport->Push("GET", kPodPath,
                    Reply::Status(401, "Unauthorized", "Unauthorized"));
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("1")));
  ASSERT_THAT(h.client->Get(kPod), IsOk());
  EXPECT_EQ(h.Header(0, "Authorization"), "Bearer exec-1");
  EXPECT_EQ(h.Header(1, "Authorization"), "Bearer exec-2");
  // The refreshed credential is cached for the next call.
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("1")));
  ASSERT_THAT(h.client->Get(kPod), IsOk());
  EXPECT_EQ(h.Header(2, "Authorization"), "Bearer exec-2");
  // A second 401 in a row is reported, after one re-run.
  h.transport->SetDefault("GET", kPodPath,
                          Reply::Status(401, "Unauthorized", "Unauthorized"));
  EXPECT_THAT(h.client->Get(kPod),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("401"), Not(HasSubstr("exec-")))));
  ClientStats stats = h.client->Stats();
  EXPECT_EQ(stats.exec_runs, 3);
  EXPECT_EQ(stats.auth_refreshes, 2);
  EXPECT_EQ(stats.get, 5);
}

TEST(ClientTest, RateLimitSpacesRequests) {
  RestConfig rc = Config();
  rc.qps = 10;
  rc.burst = 2;
  Harness h(rc);
  h.transport->SetDefault("GET", kPodPath, Reply::Json(200, Pod("1")));
  absl::Time start = h.clock.Now();
  for (int i = 0; i < 12; ++i) ASSERT_THAT(h.client->Get(kPod), IsOk());
  EXPECT_EQ(h.clock.Now() - start, absl::Seconds(1));
  EXPECT_EQ(h.client->Stats().throttled, absl::Seconds(1));
}

TEST(ClientTest, ServerVersion) {
  Harness h;
  h.transport->Push("GET", "/version",
                    Reply::Json(200, {{"major", "1"},
                                      {"minor", "27+"},
                                      {"gitVersion", "v1.27.3-gke.100"},
                                      {"platform", "linux/amd64"}}));
  CVM_ASSERT_OK_AND_ASSIGN(ServerVersion v, h.client->GetServerVersion());
  EXPECT_EQ(v.major, 1);
  EXPECT_EQ(v.minor, 27);
  EXPECT_EQ(v.git_version, "v1.27.3-gke.100");
  EXPECT_EQ(v.platform, "linux/amd64");
  EXPECT_EQ(h.client->Stats().other, 1);
}

TEST(ClientTest, EventsAreSortedNewestLastAndFilterable) {
  Harness h;
  json items = json::array({
      {{"type", "Warning"},
       {"reason", "BackOff"},
       {"message", "restarting"},
       {"count", 4},
       {"lastTimestamp", "2030-01-01T00:05:00Z"}},
      {{"type", "Normal"},
       {"reason", "Scheduled"},
       {"message", "assigned"},
       {"eventTime", "2030-01-01T00:00:00.000000Z"}},
      {{"type", "Warning"},
       {"reason", "FailedMount"},
       {"message", "no volume"},
       {"series",
        {{"count", 2}, {"lastObservedTime", "2030-01-01T00:03:00.123456Z"}}}},
  });
  h.transport->Push("GET", "/api/v1/namespaces/default/events",
                    Reply::Json(200, {{"items", items}}));
  CVM_ASSERT_OK_AND_ASSIGN(std::vector<Event> events, h.client->Events(kPod));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].reason, "Scheduled");
  EXPECT_EQ(events[1].reason, "FailedMount");
  EXPECT_EQ(events[2].reason, "BackOff");
  std::vector<Event> warnings = FilterEvents(events, "Warning");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(FormatEvent(warnings[0]), "Warning FailedMount (x2): no volume");
  EXPECT_EQ(FormatEvent(warnings[1]), "Warning BackOff (x4): restarting");
  EXPECT_THAT(h.transport->requests()[0].path,
              HasSubstr("fieldSelector=involvedObject.name%3Dws-1%"
                        "2CinvolvedObject.kind%3DPod"));
}

// --- Watches -------------------------------------------------------------

constexpr char kWatchPrefix[] = "/api/v1/namespaces/default/pods?watch=1";

TEST(WaitForTest, WatchesUntilThePredicateHolds) {
  Harness h;
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
  h.transport->Push(
      "GET", kWatchPrefix,
      Reply::Watch(
          {WatchEvent("MODIFIED", Pod("11")),
           WatchEvent("BOOKMARK", {{"metadata", {{"resourceVersion", "12"}}}}),
           WatchEvent("MODIFIED", Pod("13", true)),
           WatchEvent("MODIFIED", Pod("14"))}));
  CVM_ASSERT_OK_AND_ASSIGN(
      json pod, h.client->WaitFor(kPod, HasCondition("Ready"),
                                  h.clock.Now() + absl::Minutes(5), nullptr));
  EXPECT_EQ(pod, Pod("13", true));
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].path,
            "/api/v1/namespaces/default/"
            "pods?watch=1&fieldSelector=metadata.name%3Dws-1"
            "&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=300");
  EXPECT_EQ(h.client->Stats().watch, 1);
}

// Server-side apply's bookkeeping is skipped while parsing, in every kind
// of answer; an annotation of the same name is the user's and stays.
TEST(ClientTest, ObjectsComeBackWithoutManagedFields) {
  auto with_fields = [](json pod) {
    pod["metadata"]["managedFields"] =
        json::array({{{"manager", "kubectl"}, {"operation", "Apply"}}});
    pod["metadata"]["annotations"] = {{"managedFields", "mine"}};
    return pod;
  };
  auto without = [](json pod) {
    pod["metadata"]["annotations"] = {{"managedFields", "mine"}};
    return pod;
  };
  Harness h;
  h.transport->Push("GET", kPodPath, Reply::Json(200, with_fields(Pod("5"))));
  h.transport->Push("PATCH", kPodPath, Reply::Json(200, with_fields(Pod("6"))));
  h.transport->Push(
      "GET", kWatchPrefix,
      Reply::Watch({WatchEvent("MODIFIED", with_fields(Pod("7", true)))}));
  h.transport->Push(
      "GET", kPodsPath,
      Reply::Json(200, {{"kind", "PodList"},
                        {"metadata", {{"resourceVersion", "8"}}},
                        {"items", json::array({with_fields(Pod("8"))})}}));

  EXPECT_THAT(h.client->Get(kPod), IsOkAndHolds(without(Pod("5"))));
  EXPECT_THAT(h.client->Apply(Pod("")), IsOkAndHolds(without(Pod("6"))));
  EXPECT_THAT(
      h.client->WaitFor(kPod, HasCondition("Ready"),
                        h.clock.Now() + absl::Minutes(5), nullptr, Pod("6")),
      IsOkAndHolds(without(Pod("7", true))));
  CVM_ASSERT_OK_AND_ASSIGN(ListResult list,
                           h.client->List("v1", "Pod", "default", {}));
  ASSERT_EQ(list.items.size(), 1u);
  EXPECT_EQ(list.items[0], without(Pod("8")));
}

// A wait on status parses of each event's spec only nodeName; a wait on
// everything keeps the spec.
TEST(WaitForTest, AWaitOnStatusKeepsOfTheSpecOnlyTheNodeName) {
  auto scheduled = [](json pod) {
    pod["spec"] = {{"nodeName", "node-1"},
                   {"containers", json::array({{{"name", "dev"}}})},
                   {"volumes", json::array()}};
    pod["status"]["phase"] = "Running";
    return pod;
  };
  json status_only = scheduled(Pod("8", true));
  status_only["spec"] = {{"nodeName", "node-1"}};
  for (const auto& [fields, want] :
       {std::pair{WatchedFields::kStatus, status_only},
        std::pair{WatchedFields::kAll, scheduled(Pod("8", true))}}) {
    Harness h;
    h.transport->Push(
        "GET", kWatchPrefix,
        Reply::Watch({WatchEvent("MODIFIED", scheduled(Pod("8", true)))}));
    EXPECT_THAT(h.client->WaitFor(kPod, HasCondition("Ready"),
                                  h.clock.Now() + absl::Minutes(5), nullptr,
                                  Pod("7"), fields),
                IsOkAndHolds(want));
  }
}

// With the object an apply returned, the wait watches from its version
// and never reads it.
TEST(WaitForTest, StartsFromTheLastSeenObjectWithoutARead) {
  Harness h;
  h.transport->Push("GET", kWatchPrefix,
                    Reply::Watch({WatchEvent("MODIFIED", Pod("8", true))}));
  CVM_ASSERT_OK_AND_ASSIGN(
      json pod,
      h.client->WaitFor(kPod, HasCondition("Ready"),
                        h.clock.Now() + absl::Minutes(5), nullptr, Pod("7")));
  EXPECT_EQ(pod, Pod("8", true));
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0].path, HasSubstr("&resourceVersion=7&"));
  EXPECT_EQ(h.client->Stats().get, 0);
}

TEST(WaitForTest, ReturnsAtOnceWhenAlreadyTrue) {
  Harness h;
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10", true)));
  EXPECT_THAT(h.client->WaitFor(kPod, HasCondition("Ready"),
                                absl::InfiniteFuture(), nullptr),
              IsOk());
  EXPECT_EQ(h.transport->requests().size(), 1u);
}

TEST(WaitForTest, ResumesFromTheLastResourceVersion) {
  Harness h;
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
  // The server ends the first watch (timeoutSeconds), the second drops.
  h.transport->Push("GET", kWatchPrefix,
                    Reply::Watch({WatchEvent("MODIFIED", Pod("11"))}));
  Reply dropped = Reply::Watch({WatchEvent("MODIFIED", Pod("12"))});
  dropped.error_after_chunks =
      absl::UnavailableError("HTTP/2 stream was reset");
  h.transport->Push("GET", kWatchPrefix, dropped);
  h.transport->Push("GET", kWatchPrefix,
                    Reply::Watch({WatchEvent("MODIFIED", Pod("13", true))}));
  CVM_ASSERT_OK_AND_ASSIGN(json pod,
                           h.client->WaitFor(kPod, HasCondition("Ready"),
                                             absl::InfiniteFuture(), nullptr));
  EXPECT_EQ(pod, Pod("13", true));
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_THAT(requests[1].path, HasSubstr("&resourceVersion=10&"));
  EXPECT_THAT(requests[2].path, HasSubstr("&resourceVersion=11&"));
  EXPECT_THAT(requests[3].path, HasSubstr("&resourceVersion=12&"));
}

TEST(WaitForTest, GivesUpWhenTheServerStaysUnreachable) {
  Harness h;
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
  // A stream that worked and then dropped does not count ...
  Reply dropped = Reply::Watch({WatchEvent("MODIFIED", Pod("11"))});
  dropped.error_after_chunks = absl::UnavailableError("stream reset");
  for (int i = 0; i < 7; ++i) {
    h.transport->Push("GET", kWatchPrefix,
                      Reply::Error(absl::UnavailableError("stream reset")));
  }
  h.transport->Push("GET", kWatchPrefix, dropped);
  // ... eight failed watch requests in a row do.
  for (int i = 0; i < 8; ++i) {
    h.transport->Push("GET", kWatchPrefix,
                      Reply::Error(absl::UnavailableError("stream reset")));
  }
  EXPECT_THAT(
      h.client->WaitFor(kPod, HasCondition("Ready"), absl::InfiniteFuture(),
                        nullptr),
      StatusIs(absl::StatusCode::kUnavailable,
               AllOf(HasSubstr("lost the API server while waiting for pods"),
                     HasSubstr("8 watch requests in a row failed"),
                     HasSubstr("stream reset"))));
  EXPECT_EQ(h.transport->requests().size(), 17u);
}

TEST(WaitForTest, GoneRelistsAndResumesFromTheFreshVersion) {
  Harness h;
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
  // An ERROR event with 410 inside the stream.
  h.transport->Push("GET", kWatchPrefix,
                    Reply::Watch({WatchEvent(
                        "ERROR", {{"kind", "Status"},
                                  {"code", 410},
                                  {"reason", "Expired"},
                                  {"message", "too old resource version"}})}));
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("50")));
  // Then a 410 answer to the watch request itself.
  h.transport->Push("GET", kWatchPrefix, Reply::Status(410, "Gone", "too old"));
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("60")));
  h.transport->Push("GET", kWatchPrefix,
                    Reply::Watch({WatchEvent("MODIFIED", Pod("61", true))}));
  ASSERT_THAT(h.client->WaitFor(kPod, HasCondition("Ready"),
                                absl::InfiniteFuture(), nullptr),
              IsOk());
  auto requests = h.transport->requests();
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_THAT(requests[3].path, HasSubstr("&resourceVersion=50&"));
  EXPECT_THAT(requests[5].path, HasSubstr("&resourceVersion=60&"));
}

TEST(WaitForTest, DeletionPredicateErrorsAndWatchErrors) {
  {
    SCOPED_TRACE("deleted while waiting");
    Harness h;
    h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
    h.transport->Push("GET", kWatchPrefix,
                      Reply::Watch({WatchEvent("DELETED", Pod("11"))}));
    EXPECT_THAT(h.client->WaitFor(kPod, HasCondition("Ready"),
                                  absl::InfiniteFuture(), nullptr),
                StatusIs(absl::StatusCode::kNotFound,
                         HasSubstr("was deleted while waiting")));
  }
  {
    SCOPED_TRACE("predicate error");
    Harness h;
    h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
    h.transport->Push("GET", kWatchPrefix,
                      Reply::Watch({WatchEvent("MODIFIED", Pod("11"))}));
    int calls = 0;
    Predicate failed = [&calls](const json&) -> absl::StatusOr<bool> {
      if (++calls == 2)
        return absl::FailedPreconditionError("pod phase Failed");
      return false;
    };
    EXPECT_THAT(
        h.client->WaitFor(kPod, failed, absl::InfiniteFuture(), nullptr),
        StatusIs(absl::StatusCode::kFailedPrecondition, "pod phase Failed"));
  }
  {
    SCOPED_TRACE("missing object");
    Harness h;
    h.transport->Push(
        "GET", kPodPath,
        Reply::Status(404, "NotFound", "pods \"ws-1\" not found"));
    EXPECT_THAT(h.client->WaitFor(kPod, HasCondition("Ready"),
                                  absl::InfiniteFuture(), nullptr),
                StatusIs(absl::StatusCode::kNotFound,
                         HasSubstr("GET pods default/ws-1")));
  }
  {
    SCOPED_TRACE("forbidden watch");
    Harness h;
    h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
    h.transport->Push("GET", kWatchPrefix,
                      Reply::Status(403, "Forbidden", "cannot watch"));
    EXPECT_THAT(h.client->WaitFor(kPod, HasCondition("Ready"),
                                  absl::InfiniteFuture(), nullptr),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         HasSubstr("cannot watch")));
  }
}

TEST(WaitForTest, DeadlineEndsTheWait) {
  Harness h;
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
  Reply hang = Reply::Watch({});
  hang.hang = true;
  h.transport->SetDefault("GET", kWatchPrefix, hang);
  absl::Time start = absl::Now();
  EXPECT_THAT(
      h.client->WaitFor(kPod, HasCondition("Ready"),
                        h.clock.Now() + absl::Milliseconds(200), nullptr),
      StatusIs(absl::StatusCode::kDeadlineExceeded,
               HasSubstr("timed out waiting for pods default/ws-1 on "
                         "https://127.0.0.1:6443 (last resourceVersion 10)")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_THAT(h.transport->requests()[1].path, HasSubstr("timeoutSeconds=1"));
}

TEST(WaitForTest, CancelReturnsWithin100Milliseconds) {
  Harness h(Config(), /*fake_clock=*/false);
  h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
  Reply hang = Reply::Watch({WatchEvent("MODIFIED", Pod("11"))});
  hang.hang = true;
  h.transport->SetDefault("GET", kWatchPrefix, hang);
  CancelToken cancel;
  absl::Time cancelled_at;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    cancelled_at = absl::Now();
    cancel.Cancel();
  });
  absl::StatusOr<json> got = h.client->WaitFor(kPod, HasCondition("Ready"),
                                               absl::InfiniteFuture(), &cancel);
  absl::Duration latency = absl::Now() - cancelled_at;
  canceller.join();
  EXPECT_THAT(got,
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  EXPECT_LT(latency, absl::Milliseconds(100));
}

TEST(WaitForDeletionTest, GoneAtOnceDeletedEventOrReplaced) {
  {
    SCOPED_TRACE("already gone");
    Harness h;
    h.transport->Push("GET", kPodPath, Reply::Status(404, "NotFound", "x"));
    EXPECT_THAT(
        h.client->WaitForDeletion(kPod, absl::InfiniteFuture(), nullptr),
        IsOk());
  }
  {
    SCOPED_TRACE("deleted event");
    Harness h;
    h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
    h.transport->Push("GET", kWatchPrefix,
                      Reply::Watch({WatchEvent("MODIFIED", Pod("11")),
                                    WatchEvent("DELETED", Pod("12"))}));
    EXPECT_THAT(
        h.client->WaitForDeletion(kPod, absl::InfiniteFuture(), nullptr),
        IsOk());
  }
  {
    SCOPED_TRACE("replaced by a new object of the same name");
    Harness h;
    h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
    h.transport->Push(
        "GET", kWatchPrefix,
        Reply::Watch({WatchEvent("ADDED", Pod("20", false, "uid-2"))}));
    EXPECT_THAT(
        h.client->WaitForDeletion(kPod, absl::InfiniteFuture(), nullptr),
        IsOk());
  }
  {
    SCOPED_TRACE("the delete answered a Status: gone, no request");
    Harness h;
    EXPECT_THAT(h.client->WaitForDeletion(kPod, absl::InfiniteFuture(), nullptr,
                                          json(nullptr)),
                IsOk());
    EXPECT_EQ(h.client->Stats().requests(), 0);
  }
  {
    SCOPED_TRACE("the delete answered the object: watched from it, no read");
    Harness h;
    h.transport->Push("GET", kWatchPrefix,
                      Reply::Watch({WatchEvent("DELETED", Pod("31"))}));
    EXPECT_THAT(h.client->WaitForDeletion(kPod, absl::InfiniteFuture(), nullptr,
                                          Pod("30")),
                IsOk());
    auto requests = h.transport->requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_THAT(requests[0].path, HasSubstr("&resourceVersion=30&"));
  }
  {
    SCOPED_TRACE("an unreadable delete answer: read first");
    Harness h;
    h.transport->Push("GET", kPodPath, Reply::Status(404, "NotFound", "x"));
    EXPECT_THAT(h.client->WaitForDeletion(kPod, absl::InfiniteFuture(), nullptr,
                                          json::object()),
                IsOk());
    EXPECT_EQ(h.client->Stats().get, 1);
  }
  {
    SCOPED_TRACE("finalizers keep it");
    Harness h;
    h.transport->Push("GET", kPodPath, Reply::Json(200, Pod("10")));
    Reply hang = Reply::Watch({});
    hang.hang = true;
    h.transport->SetDefault("GET", kWatchPrefix, hang);
    EXPECT_THAT(
        h.client->WaitForDeletion(kPod, h.clock.Now() + absl::Milliseconds(50),
                                  nullptr),
        StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("finalizers")));
  }
}

TEST(ClientTest, LogsRequestsAtDebugWithoutSecrets) {
  util::Logger& logger = util::Logger::Default();
  util::LogLevel saved = logger.level();
  std::vector<std::string> lines;
  logger.set_level(util::LogLevel::kDebug);
  logger.SetSinkForTesting(
      [&lines](std::string_view line) { lines.emplace_back(line); });
  {
    Harness h;
    h.transport->Push("PATCH", kPodPath, Reply::Json(200, Pod("1")));
    json pod = Pod("");
    pod["data"] = {{"password", "s3cr3t-value"}};
    ASSERT_THAT(h.client->Apply(pod), IsOk());
  }
  logger.SetSinkForTesting(nullptr);
  logger.set_level(saved);
  std::string all;
  for (const auto& l : lines) all += l;
  EXPECT_THAT(all, HasSubstr("\"method\":\"PATCH\""));
  EXPECT_THAT(all, HasSubstr("\"status\":\"200\""));
  EXPECT_THAT(all,
              HasSubstr("/api/v1/namespaces/default/pods/ws-1?fieldManager="));
  EXPECT_THAT(all, Not(HasSubstr("secret-token")));
  EXPECT_THAT(all, Not(HasSubstr("s3cr3t-value")));
}

TEST(ClientTest, ConcurrentCallsAreCountedExactly) {
  Harness h(Config(), /*fake_clock=*/false);
  h.transport->SetDefault("GET", kPodPath, Reply::Json(200, Pod("1")));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) EXPECT_THAT(h.client->Get(kPod), IsOk());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.client->Stats().get, 400);
  EXPECT_EQ(h.client->Stats().requests(), 400);
}

}  // namespace
}  // namespace cvm::kube
