// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CurlTransport against real sockets: a tiny HTTP/1.1 server in-process
// (tests/testing/local_http_server.h).

#include "provider/kube/curl_transport.h"

#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/kube/client.h"
#include "tests/testing/local_http_server.h"
#include "tests/testing/status_matchers.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::HttpServerRequest;
using ::cvm::testing::HttpServerResponse;
using ::cvm::testing::IsOk;
using ::cvm::testing::LocalHttpServer;
using ::cvm::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

HttpServerResponse JsonResponse(int status, const json& body) {
  HttpServerResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body.dump();
  return r;
}

// Echoes the request as JSON.
HttpServerResponse Echo(const HttpServerRequest& req) {
  json headers = json::object();
  for (const auto& [k, v] : req.headers) headers[k] = v;
  return JsonResponse(200, {{"method", req.method},
                            {"target", req.target},
                            {"headers", headers},
                            {"body", req.body}});
}

std::unique_ptr<CurlTransport> NewTransport(const std::string& url) {
  CurlTransportOptions options;
  options.server = url;
  absl::StatusOr<std::unique_ptr<CurlTransport>> t =
      CurlTransport::Create(options);
  EXPECT_THAT(t, IsOk());
  return t.ok() ? std::move(*t) : nullptr;
}

HttpRequest Get(const std::string& path) {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.timeout = absl::Seconds(10);
  return r;
}

TEST(CurlTransportTest, HundredSequentialGetsUseOneConnection) {
  LocalHttpServer server(Echo);
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t = NewTransport(server.url());
  ASSERT_NE(t, nullptr);
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<HttpResponse> r =
        t->Send(Get(absl::StrCat("/api/v1/x?i=", i)));
    ASSERT_THAT(r, IsOk());
    ASSERT_EQ(r->status, 200);
  }
  EXPECT_EQ(server.requests(), 100);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(t->stats().requests, 100);
  EXPECT_EQ(t->stats().connections, 1);
  std::cout << "100 sequential GETs: " << server.requests() << " requests, "
            << server.connections() << " TCP connection(s)\n";
  RecordProperty("connections_for_100_gets", server.connections());
}

TEST(CurlTransportTest, ClientOverCurlCountsRequestsAndConnections) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "p"}, {"namespace", "d"}}}};
  LocalHttpServer server(
      [&](const HttpServerRequest&) { return JsonResponse(200, pod); });
  ASSERT_TRUE(server.ok());
  RestConfig rc;
  rc.host = server.url();
  rc.token = "t";
  rc.qps = 0;
  CVM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client, Client::Create(rc));
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(client->Get({"v1", "Pod", "d", "p"}), IsOk());
  }
  EXPECT_EQ(client->Stats().get, 100);
  EXPECT_EQ(server.requests(), 100);
  EXPECT_EQ(server.connections(), 1);
}

TEST(CurlTransportTest, ConcurrentRequestsShareAPoolOfConnections) {
  LocalHttpServer server(Echo);
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t = NewTransport(server.url());
  ASSERT_NE(t, nullptr);
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j) {
        absl::StatusOr<HttpResponse> r = t->Send(Get("/c"));
        if (!r.ok() || r->status != 200) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server.requests(), 200);
  EXPECT_GE(server.connections(), 1);
  EXPECT_LE(server.connections(), kThreads);
  // Later sequential requests reuse the pooled connections.
  int before = server.connections();
  for (int i = 0; i < 20; ++i) ASSERT_THAT(t->Send(Get("/again")), IsOk());
  EXPECT_EQ(server.connections(), before);
}

TEST(CurlTransportTest, SendsMethodHeadersAndBody) {
  LocalHttpServer server(Echo);
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t = NewTransport(server.url());
  ASSERT_NE(t, nullptr);
  struct Case {
    std::string method;
    std::string body;
  };
  for (const Case& c :
       std::vector<Case>{{"PATCH", R"({"a":1})"},
                         {"GET", ""},
                         {"POST", "{}"},
                         {"DELETE", R"({"kind":"DeleteOptions"})"},
                         {"DELETE", ""},
                         {"PUT", "x"},
                         {"GET", ""}}) {
    SCOPED_TRACE(c.method + " " + c.body);
    HttpRequest req = Get("/apis/x?fieldManager=m&force=true");
    req.method = c.method;
    req.body = c.body;
    req.headers = {{"Content-Type", "application/apply-patch+yaml"},
                   {"Authorization", "Bearer tok"}};
    CVM_ASSERT_OK_AND_ASSIGN(HttpResponse r, t->Send(req));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("content-type"), "application/json");
    json echo = json::parse(r.body);
    EXPECT_EQ(echo["method"], c.method);
    EXPECT_EQ(echo["target"], "/apis/x?fieldManager=m&force=true");
    EXPECT_EQ(echo["body"], c.body);
    EXPECT_EQ(echo["headers"]["content-type"], "application/apply-patch+yaml");
    EXPECT_EQ(echo["headers"]["authorization"], "Bearer tok");
    EXPECT_FALSE(echo["headers"].contains("expect"));
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(CurlTransportTest, ErrorStatusIsAResponseNotAFailure) {
  LocalHttpServer server([](const HttpServerRequest&) {
    HttpServerResponse r = JsonResponse(
        429,
        {{"kind", "Status"}, {"reason", "TooManyRequests"}, {"code", 429}});
    r.headers.push_back({"Retry-After", "2"});
    return r;
  });
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t = NewTransport(server.url());
  CVM_ASSERT_OK_AND_ASSIGN(HttpResponse r, t->Send(Get("/x")));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("Retry-After"), "2");
  EXPECT_THAT(r.body, HasSubstr("TooManyRequests"));
}

TEST(CurlTransportTest, ServerClosingTheConnectionIsHandled) {
  LocalHttpServer server([](const HttpServerRequest& req) {
    HttpServerResponse r = Echo(req);
    r.close = true;
    return r;
  });
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t = NewTransport(server.url());
  for (int i = 0; i < 5; ++i) ASSERT_THAT(t->Send(Get("/x")), IsOk());
  EXPECT_EQ(server.connections(), 5);
  EXPECT_EQ(t->stats().connections, 5);
}

TEST(CurlTransportTest, StreamDeliversChunksIncrementallyAndCanStop) {
  LocalHttpServer server([](const HttpServerRequest&) {
    HttpServerResponse r;
    r.headers = {{"Content-Type", "application/json"}};
    r.chunks = {"{\"type\":\"ADDED\"}\n", "{\"type\":\"MODIFIED\"}\n",
                "{\"type\":\"DELETED\"}\n"};
    r.chunk_delay = absl::Milliseconds(20);
    return r;
  });
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t = NewTransport(server.url());
  std::string seen;
  CVM_ASSERT_OK_AND_ASSIGN(
      HttpResponse r, t->Stream(Get("/w?watch=1"), [&](absl::string_view c) {
        seen.append(c.data(), c.size());
        return true;
      }));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(seen,
            "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n{\"type\":"
            "\"DELETED\"}\n");

  // Stopping after the first chunk returns OK at once.
  int calls = 0;
  CVM_ASSERT_OK_AND_ASSIGN(r,
                           t->Stream(Get("/w?watch=1"), [&](absl::string_view) {
                             ++calls;
                             return false;
                           }));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.status, 200);
  // The transport is still usable afterwards.
  CVM_ASSERT_OK_AND_ASSIGN(r, t->Send(Get("/after")));
  EXPECT_EQ(r.status, 200);
}

TEST(CurlTransportTest, CancelStopsAStreamWithin100Milliseconds) {
  LocalHttpServer server([](const HttpServerRequest&) {
    HttpServerResponse r;
    r.chunks = {"{\"type\":\"ADDED\"}\n"};
    r.hold_open = true;
    return r;
  });
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t = NewTransport(server.url());
  CancelToken cancel;
  HttpRequest req = Get("/w?watch=1");
  req.cancel = &cancel;
  req.timeout = absl::InfiniteDuration();
  absl::Time cancelled_at;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(150));
    cancelled_at = absl::Now();
    cancel.Cancel();
  });
  absl::StatusOr<HttpResponse> r =
      t->Stream(req, [](absl::string_view) { return true; });
  absl::Duration latency = absl::Now() - cancelled_at;
  canceller.join();
  EXPECT_THAT(r,
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  EXPECT_LT(latency, absl::Milliseconds(100));
}

TEST(CurlTransportTest, TimeoutIsDeadlineExceeded) {
  LocalHttpServer server([](const HttpServerRequest&) {
    HttpServerResponse r;
    r.chunks = {"{}"};
    r.hold_open = true;
    return r;
  });
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t = NewTransport(server.url());
  HttpRequest req = Get("/slow");
  req.timeout = absl::Milliseconds(200);
  absl::Time start = absl::Now();
  EXPECT_THAT(t->Send(req), StatusIs(absl::StatusCode::kDeadlineExceeded,
                                     HasSubstr("timed out")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(CurlTransportTest, ConnectionRefusedIsMarkedAsNotSent) {
  int port;
  {
    LocalHttpServer server(Echo);
    ASSERT_TRUE(server.ok());
    port = server.port();
  }
  std::unique_ptr<CurlTransport> t =
      NewTransport(absl::StrCat("http://127.0.0.1:", port));
  absl::StatusOr<HttpResponse> r = t->Send(Get("/x"));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable,
                          HasSubstr("GET http://127.0.0.1")));
  EXPECT_TRUE(IsConnectFailure(r.status()));
}

TEST(CurlTransportTest, CreateRejectsBadServers) {
  CurlTransportOptions options;
  options.server = "ftp://h";
  EXPECT_THAT(
      CurlTransport::Create(options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an http")));
}

TEST(CurlTransportTest, LibcurlLoadsFromItsSoname) {
  EXPECT_THAT(curl_transport_internal::LoadLibraryForTest("libcurl.so.4"),
              IsOk());
}

TEST(CurlTransportTest, MissingLibcurlIsAClearError) {
  EXPECT_THAT(
      curl_transport_internal::LoadLibraryForTest("libcvm-no-such-curl.so.4"),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("cannot load libcvm-no-such-curl.so.4"),
                     HasSubstr("Kubernetes"), HasSubstr("libcurl4"))));
}

TEST(CurlTransportTest, LibraryWithoutCurlFunctionsIsAClearError) {
  EXPECT_THAT(curl_transport_internal::LoadLibraryForTest("libc.so.6"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("libc.so.6 has no curl_global_init"),
                             HasSubstr("libcurl 7.77 or later"))));
}

// This test binary links the shared OpenSSL and exports none, so libcurl's
// OpenSSL calls bind to libssl.so.3 and libcrypto.so.3: the check the
// provider runs after loading libcurl must see exactly that.
TEST(CurlTransportTest, SharedOpenSslUsersAreTheObjectsBoundToLibssl) {
  ASSERT_THAT(curl_transport_internal::LoadLibraryForTest("libcurl.so.4"),
              IsOk());
  std::vector<std::string> users =
      curl_transport_internal::SharedOpenSslUsers();
  EXPECT_THAT(users, Contains(HasSubstr("/libcurl.so.4")));
  EXPECT_THAT(users, Not(Contains(HasSubstr("/libssl.so"))));
  EXPECT_THAT(users, Not(Contains(HasSubstr("/libcrypto.so"))));
  // Loaded, but calling no OpenSSL.
  EXPECT_THAT(users, Not(Contains(HasSubstr("/libc.so.6"))));
  EXPECT_THAT(users, Not(Contains(HasSubstr("/libnghttp2.so"))));
}

TEST(CurlTransportTest, CurlUsesTheProvidersOpenSslOnlyWhenNoNewer) {
  using curl_transport_internal::CurlMayUseExportedOpenSsl;
  constexpr unsigned long k3_0_19 = 0x30000130UL;  // OPENSSL_VERSION_NUMBER
  EXPECT_TRUE(CurlMayUseExportedOpenSsl(k3_0_19, k3_0_19));
  EXPECT_TRUE(CurlMayUseExportedOpenSsl(k3_0_19, 0x30000020UL));  // 3.0.2
  // A newer patch may define functions the provider's copy lacks.
  EXPECT_FALSE(CurlMayUseExportedOpenSsl(k3_0_19, 0x30000140UL));
  EXPECT_FALSE(CurlMayUseExportedOpenSsl(k3_0_19, 0x30200000UL));  // 3.2.0
  EXPECT_FALSE(CurlMayUseExportedOpenSsl(0x30200000UL, k3_0_19));
  EXPECT_FALSE(CurlMayUseExportedOpenSsl(k3_0_19, 0));  // unknown
}

TEST(CurlTransportTest, ProxyUrlIsUsed) {
  LocalHttpServer proxy(Echo);
  ASSERT_TRUE(proxy.ok());
  CurlTransportOptions options;
  options.server = "http://api.cvm.invalid:8080";  // never resolved here
  options.proxy_url = proxy.url();
  CVM_ASSERT_OK_AND_ASSIGN(auto t, CurlTransport::Create(options));
  CVM_ASSERT_OK_AND_ASSIGN(HttpResponse r, t->Send(Get("/api/v1/pods")));
  // A forward proxy receives the absolute URL.
  EXPECT_EQ(json::parse(r.body)["target"],
            "http://api.cvm.invalid:8080/api/v1/pods");
  EXPECT_EQ(proxy.requests(), 1);
}

TEST(CurlTransportTest, PathPrefixOfTheServerIsKept) {
  LocalHttpServer server(Echo);
  ASSERT_TRUE(server.ok());
  std::unique_ptr<CurlTransport> t =
      NewTransport(server.url() + "/k8s/clusters/c-1/");
  CVM_ASSERT_OK_AND_ASSIGN(HttpResponse r, t->Send(Get("/api/v1/pods")));
  EXPECT_EQ(json::parse(r.body)["target"], "/k8s/clusters/c-1/api/v1/pods");
}

}  // namespace
}  // namespace cvm::kube
