// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::plugin {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

// A fresh directory under the test's temp dir, removed at the end.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    path_ = std::string(base != nullptr ? base : "/tmp") + "/lt-XXXXXX";
    if (::mkdtemp(path_.data()) == nullptr) path_.clear();
  }
  ~TempDir() {
    if (!path_.empty()) ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(ListenerTest, UnixSocketInPrivateDirectoryRemovedOnDestruction) {
  TempDir parent;
  ASSERT_THAT(parent.path(), Not(IsEmpty()));
  Listener::Options options;
  options.socket_parent_dirs = {parent.path() + "/"};
  absl::StatusOr<std::unique_ptr<Listener>> listener =
      Listener::Create(options);
  ASSERT_THAT(listener, IsOk());
  const std::string dir = (*listener)->socket_dir();
  EXPECT_THAT(dir, StartsWith(parent.path() + "/plugin-"));
  EXPECT_THAT((*listener)->network(), Eq("unix"));
  EXPECT_THAT((*listener)->address(), Eq(dir + "/plugin.sock"));
  EXPECT_THAT((*listener)->GrpcAddress(), Eq("unix:" + dir + "/plugin.sock"));

  struct stat st;
  ASSERT_THAT(::stat(dir.c_str(), &st), Eq(0));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_THAT(st.st_mode & 07777, Eq(0700u));

  listener->reset();
  EXPECT_FALSE(Exists(dir));
}

TEST(ListenerTest, SkipsParentWhosePathIsTooLong) {
  TempDir parent;
  Listener::Options options;
  options.socket_parent_dirs = {"/" + std::string(100, 'x'), parent.path()};
  absl::StatusOr<std::unique_ptr<Listener>> listener =
      Listener::Create(options);
  ASSERT_THAT(listener, IsOk());
  EXPECT_THAT((*listener)->socket_dir(), StartsWith(parent.path()));
  EXPECT_LT((*listener)->address().size(), 108u);
}

TEST(ListenerTest, AllParentsTooLong) {
  Listener::Options options;
  options.socket_parent_dirs = {"/" + std::string(100, 'x')};
  EXPECT_THAT(Listener::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PLUGIN_UNIX_SOCKET_DIR")));
}

TEST(ListenerTest, MissingParentIsInternalError) {
  Listener::Options options;
  options.socket_parent_dirs = {"/nonexistent-cvm-dir"};
  EXPECT_THAT(
      Listener::Create(options),
      StatusIs(absl::StatusCode::kInternal, HasSubstr("/nonexistent-cvm-dir")));
}

// Binds and listens on 127.0.0.1 at an OS-chosen port; returns the port.
class BusyPort {
 public:
  BusyPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 1);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~BusyPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST(ListenerTest, TcpSkipsBusyPort) {
  BusyPort busy;
  ASSERT_GT(busy.port(), 0);
  if (busy.port() == 65535) GTEST_SKIP() << "no port after the busy one";
  Listener::Options options;
  options.transport = Listener::Transport::kTcp;
  options.ports = {busy.port(), busy.port() + 1};
  absl::StatusOr<std::unique_ptr<Listener>> listener =
      Listener::Create(options);
  if (!listener.ok()) GTEST_SKIP() << "next port also busy";
  EXPECT_THAT((*listener)->network(), Eq("tcp"));
  EXPECT_THAT((*listener)->address(),
              Eq("127.0.0.1:" + std::to_string(busy.port() + 1)));
  EXPECT_THAT((*listener)->GrpcAddress(), Eq((*listener)->address()));
  EXPECT_THAT((*listener)->socket_dir(), IsEmpty());
}

TEST(ListenerTest, TcpAllBusy) {
  BusyPort busy;
  Listener::Options options;
  options.transport = Listener::Transport::kTcp;
  options.ports = {busy.port(), busy.port()};
  EXPECT_THAT(
      Listener::Create(options),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no free TCP port")));
}

TEST(ListenerTest, TcpPortZeroLetsTheSystemChoose) {
  Listener::Options options;
  options.transport = Listener::Transport::kTcp;
  options.ports = {0, 0};
  absl::StatusOr<std::unique_ptr<Listener>> listener =
      Listener::Create(options);
  ASSERT_THAT(listener, IsOk());
  EXPECT_THAT((*listener)->address(),
              MatchesRegex("127\\.0\\.0\\.1:[1-9][0-9]*"));
}

}  // namespace
}  // namespace cvm::plugin
