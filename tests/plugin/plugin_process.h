// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Test helpers for starting a go-plugin process the way Terraform does
// (fork/exec with pipes for stdout and stderr and a chosen environment),
// reading its handshake line, and talking to it over the announced address.
// Shared by tests/plugin (the plugin_test_server) and tests/e2e (the real
// provider binary).

#ifndef CVM_TESTS_PLUGIN_PLUGIN_PROCESS_H_
#define CVM_TESTS_PLUGIN_PLUGIN_PROCESS_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "provider/plugin/certificate.h"
#include "tests/testing/status_matchers.h"  // IsOkAndHolds

namespace cvm::testing {

// The parsed fields of a handshake line.
struct HandshakeFields {
  std::string core;
  std::string app;
  std::string network;
  std::string address;
  std::string protocol;
  std::string cert_base64;  // Empty without TLS.
};

// Splits `line` (without its newline) on '|'. Returns kInvalidArgument unless
// there are exactly 6 fields.
absl::StatusOr<HandshakeFields> ParseHandshakeLine(const std::string& line);

// A child process with its stdout and stderr on pipes. Stderr is drained by a
// thread (so the child never blocks on it). The destructor SIGKILLs a child
// that is still running and reaps it. Not thread-safe.
class PluginProcess {
 public:
  // Starts `path` with `args` (argv[1..]) and exactly the environment `env`
  // (plus PATH). Returns kInternal if pipe/fork fails; an exec failure shows
  // as exit code 127.
  static absl::StatusOr<std::unique_ptr<PluginProcess>> Start(
      const std::string& path, const std::vector<std::string>& args,
      const std::map<std::string, std::string>& env);

  ~PluginProcess();

  pid_t pid() const { return pid_; }

  // Reads stdout up to and including the first '\n'. Returns the line
  // without it. kDeadlineExceeded on timeout, kUnavailable on EOF first.
  absl::StatusOr<std::string> ReadStdoutLine(std::chrono::milliseconds timeout);

  // Reads stdout until EOF; returns everything not yet returned by
  // ReadStdoutLine. kDeadlineExceeded if EOF does not come in time.
  absl::StatusOr<std::string> ReadStdoutToEof(
      std::chrono::milliseconds timeout);

  // Waits for the child to exit. Returns its exit code, or 128 + signal
  // number if a signal killed it. kDeadlineExceeded on timeout.
  absl::StatusOr<int> WaitForExit(std::chrono::milliseconds timeout);

  // True while the child has not exited (reaps it if it has).
  bool Running();

  void Signal(int signo);

  // Everything the child wrote to stderr so far; once the child has been
  // reaped (WaitForExit), everything it ever wrote.
  std::string Stderr();

 private:
  PluginProcess() = default;

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  int stdout_fd_ = -1;
  std::string stdout_buffer_;
  int stderr_fd_ = -1;
  std::thread stderr_thread_;
  absl::Mutex mu_;
  std::string stderr_ ABSL_GUARDED_BY(mu_);
};

// Base64 (standard alphabet, padding optional) decoding; kInvalidArgument on
// bad input.
absl::StatusOr<std::string> Base64Decode(const std::string& text);

// Converts DER certificate bytes to PEM. kInvalidArgument if not a
// certificate.
absl::StatusOr<std::string> DerToPem(const std::string& der);

// A channel to a plugin's handshake address. With `server_cert_base64` empty:
// plaintext. Otherwise TLS trusting only that certificate, with SNI/target
// name "localhost", presenting `client` (unless null).
std::shared_ptr<grpc::Channel> Connect(const HandshakeFields& handshake,
                                       const plugin::Certificate* client);

// Calls grpc.health.v1.Health/Check for `service` (hand-encoded messages).
// Returns the ServingStatus number (1 = SERVING), or the RPC's error.
absl::StatusOr<int> HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service,
                                std::chrono::milliseconds timeout);

// Calls plugin.GRPCController/Shutdown.
absl::Status CallShutdown(const std::shared_ptr<grpc::Channel>& channel,
                          std::chrono::milliseconds timeout);

// Converts a grpc::Status to an absl::Status with the same code and message.
absl::Status ToAbsl(const grpc::Status& status);

}  // namespace cvm::testing

#endif  // CVM_TESTS_PLUGIN_PLUGIN_PROCESS_H_
