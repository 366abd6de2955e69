// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CurlTransport over real TLS: certificates made with the openssl CLI and a
// Python HTTPS server (testdata/tls_server.py) that counts connections.
// Checks verification on by default, the CA from PEM data, tls_server_name
// (via CURLOPT_CONNECT_TO), insecure, client certificates (static and per
// request), and connection reuse over TLS.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/kube/curl_transport.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_files.h"

extern char** environ;

namespace cvm::kube {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::cvm::testing::TempDir;
using ::testing::HasSubstr;
using json = nlohmann::json;
using ::cvm::testing::ReadFile;

// Certificates: a CA, a server certificate for DNS api.cvm.test only, a
// client certificate (CN tester), and a second CA nobody uses.
class TlsFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const std::string d = dir_->path();
    std::string script = absl::StrCat(
        "set -e; cd '", d, "'\n",
        "ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n",
        "openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj "
        "/CN=test-ca\n",
        "openssl req -x509 $ec -keyout other.key -out other.crt -days 2 -subj "
        "/CN=other-ca\n",
        "openssl req $ec -keyout server.key -out server.csr -subj "
        "/CN=api.cvm.test\n",
        "printf 'subjectAltName=DNS:api.cvm.test\\n' > san.ext\n",
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
        "-CAcreateserial "
        "-out server.crt -days 2 -extfile san.ext\n",
        "openssl req $ec -keyout client.key -out client.csr -subj /CN=tester\n",
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key "
        "-CAcreateserial "
        "-out client.crt -days 2\n");
    dir_->Write("gen.sh", script, 0755);
    int rc = std::system(
        absl::StrCat("sh '", d, "/gen.sh' >/dev/null 2>&1").c_str());
    ASSERT_EQ(rc, 0) << "openssl failed";

    // Start the server with a pipe as stdin (closing it stops the server)
    // and a pipe for the port line.
    int in_pipe[2], out_pipe[2];
    ASSERT_EQ(::pipe2(in_pipe, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(out_pipe, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    std::string py =
        std::string(CVM_SOURCE_DIR) + "/tests/kube/testdata/tls_server.py";
    std::string cert = d + "/server.crt", key = d + "/server.key",
                ca = d + "/ca.crt";
    char* argv[] = {const_cast<char*>("python3"),
                    py.data(),
                    cert.data(),
                    key.data(),
                    ca.data(),
                    nullptr};
    ASSERT_EQ(
        ::posix_spawnp(&pid_, "python3", &actions, nullptr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    std::string line;
    char c;
    while (::read(out_pipe[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    ::close(out_pipe[0]);
    ASSERT_TRUE(absl::SimpleAtoi(line, &port_)) << "server said: " << line;
  }

  static void TearDownTestSuite() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    delete dir_;
  }

  static std::string Pem(const std::string& name) {
    return ReadFile(dir_->path() + "/" + name);
  }
  static std::string Url() { return absl::StrCat("https://127.0.0.1:", port_); }

  static CurlTransportOptions Verified() {
    CurlTransportOptions o;
    o.server = Url();
    o.ca_pem = Pem("ca.crt");
    o.tls_server_name = "api.cvm.test";
    return o;
  }

  static absl::StatusOr<json> Fetch(CurlTransport& t, const std::string& path,
                                    HttpRequest req = {}) {
    req.path = path;
    req.timeout = absl::Seconds(10);
    absl::StatusOr<HttpResponse> r = t.Send(req);
    if (!r.ok()) return r.status();
    if (r->status != 200)
      return absl::InternalError(absl::StrCat("status ", r->status));
    return json::parse(r->body);
  }

  static int Connections(CurlTransport& t) {
    absl::StatusOr<json> s = Fetch(t, "/stats");
    return s.ok() ? (*s)["connections"].get<int>() : -1;
  }

  static TempDir* dir_;
  static pid_t pid_;
  static int stdin_fd_;
  static int port_;
};

TempDir* TlsFixture::dir_ = nullptr;
pid_t TlsFixture::pid_ = -1;
int TlsFixture::stdin_fd_ = -1;
int TlsFixture::port_ = 0;

TEST_F(TlsFixture, VerifiesWithTheConfiguredCaAndServerName) {
  CVM_ASSERT_OK_AND_ASSIGN(auto t, CurlTransport::Create(Verified()));
  CVM_ASSERT_OK_AND_ASSIGN(json echo, Fetch(*t, "/api/v1/pods?limit=1"));
  EXPECT_EQ(echo["path"], "/api/v1/pods?limit=1");
  EXPECT_EQ(echo["client_cn"], "");
}

// The fallback when the shared OpenSSL is newer than the provider's: libcurl
// and its TLS libraries loaded RTLD_DEEPBIND still verify the server and
// present a client certificate. In a fresh process (the threadsafe death
// test style re-executes this test), where libcurl is not loaded yet.
TEST_F(TlsFixture, CurlOnItsOwnOpenSslVerifiesAndPresentsClientCertificate) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer refuses RTLD_DEEPBIND";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        curl_transport_internal::KeepCurlOnItsOwnOpenSslForTest();
        CurlTransportOptions o = Verified();
        o.client_certificate_pem = Pem("client.crt");
        o.client_key_pem = Pem("client.key");
        absl::StatusOr<std::unique_ptr<CurlTransport>> t =
            CurlTransport::Create(o);
        absl::StatusOr<json> echo =
            t.ok() ? Fetch(**t, "/x") : absl::StatusOr<json>(t.status());
        if (!echo.ok()) {
          std::fprintf(stderr, "%s\n", echo.status().ToString().c_str());
          std::_Exit(1);
        }
        std::fprintf(stderr, "client_cn=%s\n",
                     (*echo)["client_cn"].get<std::string>().c_str());
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "client_cn=tester");
}

TEST_F(TlsFixture, HundredSequentialGetsOverTlsUseOneConnection) {
  CVM_ASSERT_OK_AND_ASSIGN(auto t, CurlTransport::Create(Verified()));
  int before = Connections(*t);
  ASSERT_GE(before, 1);
  for (int i = 0; i < 100; ++i) ASSERT_THAT(Fetch(*t, "/x"), IsOk());
  int after = Connections(*t);
  EXPECT_EQ(after, before);  // the /stats connection itself is reused
  EXPECT_EQ(t->stats().connections, 1);
  EXPECT_EQ(t->stats().requests, 102);
}

TEST_F(TlsFixture, VerificationFailuresAreFailedPrecondition) {
  {
    SCOPED_TRACE("certificate name does not match 127.0.0.1");
    CurlTransportOptions o = Verified();
    o.tls_server_name = "";
    CVM_ASSERT_OK_AND_ASSIGN(auto t, CurlTransport::Create(o));
    EXPECT_THAT(Fetch(*t, "/x"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("TLS error")));
  }
  {
    SCOPED_TRACE("wrong CA");
    CurlTransportOptions o = Verified();
    o.ca_pem = Pem("other.crt");
    CVM_ASSERT_OK_AND_ASSIGN(auto t, CurlTransport::Create(o));
    EXPECT_THAT(Fetch(*t, "/x"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("TLS error")));
  }
  {
    SCOPED_TRACE("system store only: the test CA is unknown");
    CurlTransportOptions o = Verified();
    o.ca_pem = "";
    CVM_ASSERT_OK_AND_ASSIGN(auto t, CurlTransport::Create(o));
    EXPECT_THAT(Fetch(*t, "/x"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("TLS error")));
  }
  {
    SCOPED_TRACE("insecure skips verification");
    CurlTransportOptions o;
    o.server = Url();
    o.insecure = true;
    CVM_ASSERT_OK_AND_ASSIGN(auto t, CurlTransport::Create(o));
    EXPECT_THAT(Fetch(*t, "/x"), IsOk());
  }
}

TEST_F(TlsFixture, ClientCertificateStaticAndPerRequest) {
  CurlTransportOptions o = Verified();
  o.client_certificate_pem = Pem("client.crt");
  o.client_key_pem = Pem("client.key");
  CVM_ASSERT_OK_AND_ASSIGN(auto with_cert, CurlTransport::Create(o));
  CVM_ASSERT_OK_AND_ASSIGN(json echo, Fetch(*with_cert, "/x"));
  EXPECT_EQ(echo["client_cn"], "tester");

  CVM_ASSERT_OK_AND_ASSIGN(auto plain, CurlTransport::Create(Verified()));
  HttpRequest req;
  req.client_certificate_pem = Pem("client.crt");
  req.client_key_pem = Pem("client.key");
  CVM_ASSERT_OK_AND_ASSIGN(echo, Fetch(*plain, "/x", req));
  EXPECT_EQ(echo["client_cn"], "tester");
  // The next request without one does not reuse the identity.
  CVM_ASSERT_OK_AND_ASSIGN(echo, Fetch(*plain, "/x"));
  EXPECT_EQ(echo["client_cn"], "");
}

// A free loopback port (bound, read, released: a tiny race, fine here).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool Listening(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// nghttpd (Debian package nghttp2-server) serving `htdocs` over TLS with
// the fixture's server certificate: HTTP/2, negotiated by ALPN, with at most
// `max_streams` concurrent streams per connection. Stopped when destroyed.
class Http2Server {
 public:
  explicit Http2Server(const std::string& dir, int max_streams = 100) {
    port_ = FreePort();
    std::string port_text = absl::StrCat(port_);
    std::string streams =
        absl::StrCat("--max-concurrent-streams=", max_streams);
    std::string htdocs = "--htdocs=" + dir + "/htdocs";
    std::string key = dir + "/server.key", cert = dir + "/server.crt";
    char* argv[] = {const_cast<char*>("nghttpd"),
                    const_cast<char*>("--address=127.0.0.1"),
                    streams.data(),
                    htdocs.data(),
                    port_text.data(),
                    key.data(),
                    cert.data(),
                    nullptr};
    if (::posix_spawnp(&pid_, "nghttpd", nullptr, nullptr, argv, environ) !=
        0) {
      pid_ = -1;
      return;
    }
    absl::Time until = absl::Now() + absl::Seconds(10);
    while (!Listening(port_) && absl::Now() < until)
      absl::SleepFor(absl::Milliseconds(20));
  }
  ~Http2Server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return pid_ > 0 && Listening(port_); }
  std::string url() const { return absl::StrCat("https://127.0.0.1:", port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST_F(TlsFixture, Http2IsUsedWhenTheServerOffersIt) {
  dir_->Write("htdocs/version", R"({"major":"1","minor":"20"})");
  Http2Server server(dir_->path());
  ASSERT_TRUE(server.ok())
      << "nghttpd (Debian package nghttp2-server) is required";

  CurlTransportOptions o = Verified();
  o.server = server.url();
  absl::StatusOr<std::unique_ptr<CurlTransport>> t = CurlTransport::Create(o);
  ASSERT_THAT(t, IsOk());
  int ok = 0;
  for (int i = 0; i < 100; ++i) {
    HttpRequest req;
    req.path = "/version";
    req.timeout = absl::Seconds(10);
    absl::StatusOr<HttpResponse> r = (*t)->Send(req);
    if (r.ok() && r->status == 200 &&
        r->body == R"({"major":"1","minor":"20"})")
      ++ok;
  }
  CurlTransportStats stats = (*t)->stats();
  EXPECT_EQ(ok, 100);
  EXPECT_EQ(stats.http2, 100);
  EXPECT_EQ(stats.connections, 1);
}

// A transport with options `o` to `server`; an error when nghttpd did not
// start.
absl::StatusOr<std::unique_ptr<CurlTransport>> TransportTo(
    const Http2Server& server, CurlTransportOptions o) {
  if (!server.ok()) {
    return absl::FailedPreconditionError(
        "nghttpd (Debian package nghttp2-server) is required");
  }
  o.server = server.url();
  return CurlTransport::Create(o);
}

// Sends `threads` concurrent GETs of `path` (every second one a Stream),
// all started together; returns how many came back whole (`body`).
int ConcurrentGets(CurlTransport& t, int threads, const std::string& path,
                   const std::string& body) {
  std::atomic<int> ok{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      HttpRequest req;
      req.path = path;
      req.timeout = absl::Seconds(20);
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      if (i % 2 == 0) {
        absl::StatusOr<HttpResponse> r = t.Send(req);
        if (r.ok() && r->status == 200 && r->body == body) ok.fetch_add(1);
      } else {
        std::string received;
        absl::StatusOr<HttpResponse> r =
            t.Stream(req, [&received](absl::string_view chunk) {
              received.append(chunk.data(), chunk.size());
              return true;
            });
        if (r.ok() && r->status == 200 && received == body) ok.fetch_add(1);
      }
    });
  }
  for (auto& w : workers) w.join();
  return ok.load();
}

// Concurrent requests, streams among them, are multiplexed over one HTTP/2
// connection (as client-go's are), not one connection per request.
TEST_F(TlsFixture, ConcurrentRequestsShareOneHttp2Connection) {
  const std::string big(4 << 20, 'x');
  dir_->Write("htdocs/big", big);
  Http2Server server(dir_->path());
  CVM_ASSERT_OK_AND_ASSIGN(auto t, TransportTo(server, Verified()));

  EXPECT_EQ(ConcurrentGets(*t, 8, "/big", big), 8);
  CurlTransportStats stats = t->stats();
  EXPECT_EQ(stats.http2, 8);
  EXPECT_EQ(stats.connections, 1);
}

// More concurrent requests than the server allows streams on a connection:
// none waits for a free stream forever; more connections are opened.
TEST_F(TlsFixture, RequestsBeyondTheServersStreamLimitOpenMoreConnections) {
  const std::string big(4 << 20, 'y');
  dir_->Write("htdocs/big2", big);
  Http2Server server(dir_->path(), /*max_streams=*/2);
  CVM_ASSERT_OK_AND_ASSIGN(auto t, TransportTo(server, Verified()));

  EXPECT_EQ(ConcurrentGets(*t, 8, "/big2", big), 8);
  CurlTransportStats stats = t->stats();
  EXPECT_EQ(stats.http2, 8);
  EXPECT_GE(stats.connections, 2);
  EXPECT_LE(stats.connections, 8);
}

}  // namespace
}  // namespace cvm::kube
