// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/serve.h"

#include <fcntl.h>
#include <grpc/grpc.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "provider/plugin/call_tracker.h"
#include "provider/plugin/certificate.h"
#include "provider/plugin/environment.h"
#include "provider/plugin/handshake.h"
#include "provider/plugin/listener.h"
#include "provider/plugin/services.h"
#include "provider/util/log.h"

namespace cvm::plugin {
namespace {

constexpr int kMaxMessageBytes = 256 << 20;

// Why the wait ended; one byte on the wake pipe.
constexpr char kWakeShutdownRpc = 'S';
constexpr char kWakeSigterm = 'T';
constexpr char kWakeSigint = 'I';

// Write end of the wake pipe, for the signal handler. Lock-free, so reading
// it in a handler is async-signal-safe.
std::atomic<int> g_wake_fd{-1};
static_assert(std::atomic<int>::is_always_lock_free);

void WakeFromSignal(int signo) {
  const int saved_errno = errno;
  const int fd = g_wake_fd.load(std::memory_order_relaxed);
  if (fd >= 0) {
    const char reason = signo == SIGTERM ? kWakeSigterm : kWakeSigint;
    [[maybe_unused]] ssize_t n = ::write(fd, &reason, 1);
  }
  errno = saved_errno;
}

// Writes all of `text` to `fd`. Returns false on error.
bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Prints `message` (plus a newline) for a human on stderr; returns 1.
int Fail(std::string_view message) {
  std::string line(message);
  line.push_back('\n');
  WriteAll(STDERR_FILENO, line);
  return 1;
}

// Points fd 1 at /dev/null (closing the pipe to the client).
void SilenceStdout() {
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(STDOUT_FILENO);
    return;
  }
  ::dup2(null_fd, STDOUT_FILENO);
  ::close(null_fd);
}

// The self-pipe that wakes the serving thread, and the signal dispositions
// changed while serving. Restores everything on destruction.
class WakeUp {
 public:
  static absl::StatusOr<std::unique_ptr<WakeUp>> Create(bool debug) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
    }
    // Writers never block (one byte is enough to wake the reader).
    ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    auto wake = std::unique_ptr<WakeUp>(new WakeUp(fds[0], fds[1]));
    g_wake_fd.store(fds[1]);

    struct sigaction wake_action {};
    wake_action.sa_handler = WakeFromSignal;
    sigemptyset(&wake_action.sa_mask);
    wake_action.sa_flags = SA_RESTART;
    struct sigaction ignore_action {};
    ignore_action.sa_handler = SIG_IGN;
    sigemptyset(&ignore_action.sa_mask);

    wake->Install(SIGTERM, wake_action);
    wake->Install(SIGINT, debug ? wake_action : ignore_action);
    wake->Install(SIGPIPE, ignore_action);
    return wake;
  }

  ~WakeUp() {
    for (const auto& [signo, previous] : previous_) {
      ::sigaction(signo, &previous, nullptr);
    }
    g_wake_fd.store(-1);
    ::close(read_fd_);
    ::close(write_fd_);
  }

  // Wakes Wait(). Never blocks; callable from any thread.
  void Notify(char reason) {
    [[maybe_unused]] ssize_t n = ::write(write_fd_, &reason, 1);
  }

  // Blocks until Notify or a stopping signal; returns the reason byte.
  char Wait() {
    char reason = 0;
    while (true) {
      ssize_t n = ::read(read_fd_, &reason, 1);
      if (n == 1) return reason;
      if (n < 0 && errno == EINTR) continue;
      return kWakeShutdownRpc;  // Cannot happen: we hold the write end.
    }
  }

 private:
  WakeUp(int read_fd, int write_fd) : read_fd_(read_fd), write_fd_(write_fd) {}

  void Install(int signo, const struct sigaction& action) {
    struct sigaction previous {};
    if (::sigaction(signo, &action, &previous) == 0) {
      previous_.emplace_back(signo, previous);
    }
  }

  int read_fd_;
  int write_fd_;
  std::vector<std::pair<int, struct sigaction>> previous_;
};

// Steps 1-2. Returns nullopt to go on, else the exit code, after explaining
// on stderr.
std::optional<int> CheckEnvironment(const ServeOptions& options) {
  if (!options.debug && GetEnv(kMagicCookieKey.data()) != kMagicCookieValue) {
    WriteAll(STDERR_FILENO, kNotAPluginMessage);
    return 1;
  }
  const std::string versions_text = GetEnv("PLUGIN_PROTOCOL_VERSIONS");
  absl::StatusOr<std::set<int>> versions = ParseProtocolVersions(versions_text);
  if (!versions.ok()) {
    return Fail(absl::StrCat("This plugin cannot start: ",
                             versions.status().message()));
  }
  if (!versions->empty() && versions->count(kAppProtocolVersion) == 0) {
    return Fail(absl::StrCat(
        "This plugin speaks only plugin protocol version ", kAppProtocolVersion,
        " (tfplugin6), but its client accepts only [",
        absl::StrJoin(*versions, ", "),
        "] (PLUGIN_PROTOCOL_VERSIONS). Use a Terraform version that supports "
        "protocol 6 (Terraform 1.0 or later)."));
  }
  return std::nullopt;
}

absl::StatusOr<Listener::Options> ListenerOptionsFromEnvironment() {
  Listener::Options options;
  const std::string transport = GetEnv("CVM_PLUGIN_TRANSPORT");
  if (!transport.empty() && transport != "unix" && transport != "tcp") {
    return absl::InvalidArgumentError(
        absl::StrCat("CVM_PLUGIN_TRANSPORT must be \"unix\" or \"tcp\", not \"",
                     transport, "\""));
  }
  if (transport == "tcp") {
    options.transport = Listener::Transport::kTcp;
    absl::StatusOr<PortRange> ports =
        ParsePortRange(GetEnv("PLUGIN_MIN_PORT"), GetEnv("PLUGIN_MAX_PORT"));
    if (!ports.ok()) return ports.status();
    options.ports = *ports;
    return options;
  }
  options.socket_parent_dirs.clear();
  if (std::string dir = GetEnv("PLUGIN_UNIX_SOCKET_DIR"); !dir.empty()) {
    options.socket_parent_dirs.push_back(dir);
  } else if (std::string tmp = GetEnv("TMPDIR"); !tmp.empty()) {
    options.socket_parent_dirs.push_back(tmp);
  }
  options.socket_parent_dirs.push_back("/tmp");
  return options;
}

// Step 3: the listener the environment asks for.
absl::StatusOr<std::unique_ptr<Listener>> ListenFromEnvironment() {
  absl::StatusOr<Listener::Options> listener_options =
      ListenerOptionsFromEnvironment();
  if (!listener_options.ok()) return listener_options.status();
  return Listener::Create(*listener_options);
}

const char* ReasonText(char reason) {
  switch (reason) {
    case kWakeSigterm:
      return "SIGTERM";
    case kWakeSigint:
      return "SIGINT";
    default:
      return "plugin.GRPCController/Shutdown";
  }
}

// Terraform stops its plugins with the Shutdown RPC, or kills them; but a
// Terraform that is itself killed (SIGKILL, OOM) does neither, and a plugin
// left running would go on creating objects no state will record. This
// thread watches for the parent to change (the orphan is re-parented) and
// then stops the plugin as SIGTERM does: in-flight work is cancelled.
void WatchParent() {
  const pid_t parent = ::getppid();
  std::thread([parent] {
    while (::getppid() == parent) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    util::LogWarn("the parent process is gone; stopping",
                  {{"parent_pid", std::to_string(parent)}});
    ::kill(::getpid(), SIGTERM);
  }).detach();
}

// Takes one gRPC library reference that is never released, so that the last
// grpc++ object Serve destroys (the server credentials) does not run the
// final grpc_shutdown on this thread. That shutdown joins gRPC's executor
// threads, and in gRPC 1.51 (epoll1 engine) one of them may be tcp_posix's
// backup poller, started whenever a write to a client hit EAGAIN (a large
// response the client was slow to read): it sits in a 10 s pollset_work
// that nothing wakes once the connections are gone, so the process exited
// up to 10 s after Shutdown (seen under ASan, where the test client reads
// slowly; Terraform SIGKILLs a plugin 2 s after Shutdown). The process
// exits right after Serve returns; its threads end with it.
void KeepGrpcInitializedUntilExit() {
  static const bool initialized = [] {
    grpc_init();
    return true;
  }();
  (void)initialized;
}

// Step 4's result: the server's credentials and, with TLS, its
// certificate (DER) for the handshake line.
struct ServingCredentials {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::string server_cert_der;
};

// Step 4: mutual TLS with a fresh certificate when `tls`, trusting only
// `client_cert` (PEM); else insecure. Errors: a bad client certificate, or
// one of ours that cannot be made.
absl::StatusOr<ServingCredentials> MakeCredentials(
    bool tls, const std::string& client_cert) {
  ServingCredentials out;
  if (tls) {
    if (absl::Status s = CheckCertificatePem(client_cert); !s.ok()) return s;
    absl::StatusOr<Certificate> cert = GenerateCertificate();
    if (!cert.ok()) return cert.status();
    grpc::SslServerCredentialsOptions ssl(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = client_cert;
    ssl.pem_key_cert_pairs.push_back({cert->key_pem, cert->cert_pem});
    out.credentials = grpc::SslServerCredentials(ssl);
    out.server_cert_der = std::move(cert->cert_der);
  } else {
    out.credentials = grpc::InsecureServerCredentials();
  }
  return out;
}

// Step 5: builds and starts the server on `address` with the plugin's own
// services and `services`, counting calls in `calls`. Null on failure, or
// with `*selected_port` 0 when it could not listen.
std::unique_ptr<grpc::Server> StartServer(
    const std::vector<grpc::Service*>& services, const std::string& address,
    const std::shared_ptr<grpc::ServerCredentials>& credentials,
    ControllerService& controller, StdioService& stdio, CallTracker& calls,
    int* selected_port) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(calls.NewInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  builder.AddListeningPort(address, credentials, selected_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Never share a TCP port with another process's grpc++ server.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(&controller);
  builder.RegisterService(&stdio);
  for (grpc::Service* service : services) builder.RegisterService(service);
  return builder.BuildAndStart();
}

// Marks `server` and the "plugin" service as serving on the health check
// service, and returns that (null without one).
grpc::HealthCheckServiceInterface* ReportServing(grpc::Server& server) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus("", true);
    health->SetServingStatus("plugin", true);
  }
  return health;
}

// Step 6: the line for stdout, the handshake (or, with debug, the
// instructions for TF_REATTACH_PROVIDERS).
std::string Announcement(const ServeOptions& options, const Listener& listener,
                         const std::string& server_cert_der) {
  return options.debug ? FormatDebugInstructions(ReattachInfo{
                             .provider_address = options.provider_address,
                             .pid = static_cast<int>(::getpid()),
                             .network = listener.network(),
                             .address = listener.address()})
                       : FormatHandshakeLine(
                             Handshake{.core_version = kCoreProtocolVersion,
                                       .app_version = kAppProtocolVersion,
                                       .network = listener.network(),
                                       .address = listener.address(),
                                       .server_cert_der = server_cert_der});
}

// Step 8: ends the streams and health checks, waits up to the grace period
// for the calls in flight, then stops the server at once.
void StopServing(const ServeOptions& options, StdioService& stdio,
                 grpc::HealthCheckServiceInterface* health, CallTracker& calls,
                 grpc::Server& server) {
  if (options.on_shutdown) options.on_shutdown();
  stdio.Shutdown();
  if (health != nullptr) health->Shutdown();
  // grpc::Server::Shutdown(deadline) would also wait for idle client
  // connections to close, so wait for the calls alone, then stop at once
  // (cancelling any call still running after the grace period).
  if (!calls.WaitUntilIdle(absl::Now() +
                           absl::FromChrono(options.shutdown_grace))) {
    util::LogWarn("cancelling calls still running after the grace period",
                  {{"calls", std::to_string(calls.active())}});
  }
  server.Shutdown(std::chrono::system_clock::now());
  server.Wait();
}

}  // namespace

int Serve(const std::vector<grpc::Service*>& services,
          const ServeOptions& options) {
  if (std::optional<int> exit_code = CheckEnvironment(options)) {
    return *exit_code;
  }

  // Step 3: the address.
  absl::StatusOr<std::unique_ptr<Listener>> listener = ListenFromEnvironment();
  if (!listener.ok()) {
    return Fail(absl::StrCat("This plugin cannot start: ",
                             listener.status().message()));
  }

  KeepGrpcInitializedUntilExit();

  // Step 4: credentials.
  const std::string client_cert = GetEnv("PLUGIN_CLIENT_CERT");
  const bool tls = !options.debug && !client_cert.empty() &&
                   GetEnv("TF_DISABLE_PLUGIN_TLS").empty();
  absl::StatusOr<ServingCredentials> credentials =
      MakeCredentials(tls, client_cert);
  if (!credentials.ok()) {
    return Fail(absl::StrCat("This plugin cannot start: ",
                             credentials.status().message()));
  }

  // Signals before the server exists, so no thread misses the handlers.
  absl::StatusOr<std::unique_ptr<WakeUp>> wake = WakeUp::Create(options.debug);
  if (!wake.ok()) {
    return Fail(
        absl::StrCat("This plugin cannot start: ", wake.status().message()));
  }

  if (!options.debug) WatchParent();

  // Step 5: the server.
  ControllerService controller(
      [w = wake->get()] { w->Notify(kWakeShutdownRpc); });
  StdioService stdio;
  CallTracker calls;
  int selected_port = 0;
  std::unique_ptr<grpc::Server> server = StartServer(
      services, (*listener)->GrpcAddress(), credentials->credentials,
      controller, stdio, calls, &selected_port);
  if (server == nullptr || selected_port == 0) {
    return Fail(absl::StrCat("This plugin cannot start: cannot listen on ",
                             (*listener)->GrpcAddress()));
  }
  grpc::HealthCheckServiceInterface* health = ReportServing(*server);

  // Step 6: announce.
  const std::string announcement =
      Announcement(options, **listener, credentials->server_cert_der);
  const bool announced = WriteAll(STDOUT_FILENO, announcement);
  const int write_errno = errno;
  SilenceStdout();
  util::LogDebug("plugin server started",
                 {{"network", (*listener)->network()},
                  {"address", (*listener)->address()},
                  {"tls", tls ? "true" : "false"},
                  {"debug", options.debug ? "true" : "false"}});

  // Step 7: serve.
  char reason = kWakeShutdownRpc;
  if (announced) {
    reason = (*wake)->Wait();
  } else {
    util::LogError("cannot write the handshake line to stdout",
                   {{"error", std::strerror(write_errno)}});
  }

  // Step 8: stop.
  util::LogDebug("plugin shutting down", {{"reason", ReasonText(reason)}});
  StopServing(options, stdio, health, calls, *server);
  server.reset();
  listener->reset();
  wake->reset();
  return announced ? 0 : 1;
}

}  // namespace cvm::plugin
