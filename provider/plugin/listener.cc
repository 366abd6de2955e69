// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cvm::plugin {
namespace {

constexpr char kSocketName[] = "plugin.sock";
constexpr char kDirPattern[] = "plugin-XXXXXX";

// Returns the port 127.0.0.1:`port` bound to (the chosen one for port 0), or
// -1 if it cannot be bound now. SO_REUSEADDR matches what grpc++ sets, so a
// port with only TIME_WAIT connections counts as free.
int ProbeTcpPort(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int result = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    socklen_t len = sizeof(addr);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      result = ntohs(addr.sin_port);
    }
  }
  ::close(fd);
  return result;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Listener>> Listener::Create(
    const Options& options) {
  if (options.transport == Transport::kTcp) {
    for (int port = options.ports.min; port <= options.ports.max; ++port) {
      int bound = ProbeTcpPort(port);
      if (bound > 0) {
        return std::unique_ptr<Listener>(
            new Listener("tcp", absl::StrCat("127.0.0.1:", bound), ""));
      }
    }
    return absl::UnavailableError(
        absl::StrCat("no free TCP port on 127.0.0.1 in [", options.ports.min,
                     ", ", options.ports.max, "]"));
  }

  // mkdtemp's "XXXXXX" keeps its length; the socket path adds "/plugin.sock".
  const size_t max_path = sizeof(sockaddr_un{}.sun_path) - 1;
  for (const std::string& parent : options.socket_parent_dirs) {
    if (parent.empty()) continue;
    std::string dir = parent;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    dir = absl::StrCat(dir == "/" ? "" : dir, "/", kDirPattern);
    if (dir.size() + 1 + std::strlen(kSocketName) > max_path) continue;
    if (::mkdtemp(dir.data()) == nullptr) {
      return absl::InternalError(
          absl::StrCat("cannot create socket directory in ", parent, ": ",
                       std::strerror(errno)));
    }
    std::string path = absl::StrCat(dir, "/", kSocketName);
    return std::unique_ptr<Listener>(
        new Listener("unix", std::move(path), std::move(dir)));
  }
  return absl::InvalidArgumentError(
      "no socket directory gives a unix socket path shorter than 108 bytes; "
      "set PLUGIN_UNIX_SOCKET_DIR or TMPDIR to a shorter directory");
}

Listener::~Listener() {
  if (socket_dir_.empty()) return;
  ::unlink(address_.c_str());  // ENOENT if grpc++ already removed it.
  ::rmdir(socket_dir_.c_str());
}

std::string Listener::GrpcAddress() const {
  if (network_ == "unix") return absl::StrCat("unix:", address_);
  return address_;
}

}  // namespace cvm::plugin
