// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Where the plugin's gRPC server listens: a unix socket inside a private
// (0700) temporary directory, or a 127.0.0.1 TCP port inside go-plugin's
// PLUGIN_MIN_PORT..PLUGIN_MAX_PORT range. The Listener only chooses and owns
// the address; grpc++ does the actual bind. Part of plugin/.

#ifndef CVM_PROVIDER_PLUGIN_LISTENER_H_
#define CVM_PROVIDER_PLUGIN_LISTENER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "provider/plugin/environment.h"

namespace cvm::plugin {

// One listening address, owned for the life of the server. On destruction a
// unix listener removes its socket file and its directory. Not thread-safe;
// used by Serve only.
class Listener {
 public:
  enum class Transport { kUnix, kTcp };

  struct Options {
    Transport transport = Transport::kUnix;
    // kUnix: the directories to create the private socket directory in, in
    // order of preference; the first one whose socket path fits in
    // sockaddr_un.sun_path (107 bytes + NUL) is used.
    std::vector<std::string> socket_parent_dirs = {"/tmp"};
    // kTcp: the ports to try, in increasing order; {0, 0} lets the OS pick.
    PortRange ports;
  };

  // Chooses an address.
  // kUnix: creates `<parent>/plugin-XXXXXX` with mode 0700 (mkdtemp); the
  // socket will be `<dir>/plugin.sock` (it does not exist yet).
  // kTcp: returns the first port in the range that 127.0.0.1 can bind now
  // (checked by binding and closing a probe socket).
  // Returns kInvalidArgument if no parent directory gives a short enough
  // path, kUnavailable if no port in the range is free, kInternal (with
  // errno text) if mkdtemp fails.
  static absl::StatusOr<std::unique_ptr<Listener>> Create(
      const Options& options);

  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // "unix" or "tcp", as in the handshake line.
  const std::string& network() const { return network_; }
  // The socket path, or "127.0.0.1:<port>", as in the handshake line.
  const std::string& address() const { return address_; }
  // The address in grpc++'s syntax: "unix:<path>" or "127.0.0.1:<port>".
  std::string GrpcAddress() const;
  // The private directory holding the socket; empty for TCP.
  const std::string& socket_dir() const { return socket_dir_; }

 private:
  Listener(std::string network, std::string address, std::string socket_dir)
      : network_(std::move(network)),
        address_(std::move(address)),
        socket_dir_(std::move(socket_dir)) {}

  std::string network_;
  std::string address_;
  std::string socket_dir_;
};

}  // namespace cvm::plugin

#endif  // CVM_PROVIDER_PLUGIN_LISTENER_H_
