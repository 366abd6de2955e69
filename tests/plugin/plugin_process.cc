// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "tests/plugin/plugin_process.h"

#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "proto/go_plugin.grpc.pb.h"

namespace cvm::testing {
namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

absl::StatusOr<HandshakeFields> ParseHandshakeLine(const std::string& line) {
  std::vector<std::string> parts = absl::StrSplit(line, '|');
  if (parts.size() != 6) {
    return absl::InvalidArgumentError(
        absl::StrCat("handshake line has ", parts.size(), " fields, want 6: \"",
                     line, "\""));
  }
  return HandshakeFields{parts[0], parts[1], parts[2],
                         parts[3], parts[4], parts[5]};
}

absl::StatusOr<std::unique_ptr<PluginProcess>> PluginProcess::Start(
    const std::string& path, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe2");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return absl::InternalError("pipe2");
  }
  // Everything exec needs is prepared before fork (the test is
  // multi-threaded; the child may only call async-signal-safe functions).
  std::vector<std::string> argv_strings = {path};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings;
  const char* system_path = std::getenv("PATH");
  env_strings.push_back(absl::StrCat("PATH=", system_path ? system_path : ""));
  for (const auto& [key, value] : env) {
    env_strings.push_back(absl::StrCat(key, "=", value));
  }
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork");
  if (pid == 0) {
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    // Signal dispositions and masks are inherited: start from defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  auto process = std::unique_ptr<PluginProcess>(new PluginProcess());
  process->pid_ = pid;
  process->stdout_fd_ = out[0];
  process->stderr_fd_ = err[0];
  PluginProcess* p = process.get();
  process->stderr_thread_ = std::thread([p] {
    char buf[4096];
    while (true) {
      ssize_t n = ::read(p->stderr_fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      absl::MutexLock lock(&p->mu_);
      p->stderr_.append(buf, static_cast<size_t>(n));
    }
  });
  return process;
}

PluginProcess::~PluginProcess() {
  if (Running()) {
    ::kill(pid_, SIGKILL);
    (void)WaitForExit(std::chrono::seconds(10));
  }
  if (stderr_thread_.joinable()) stderr_thread_.join();
  ::close(stdout_fd_);
  ::close(stderr_fd_);
}

absl::StatusOr<std::string> PluginProcess::ReadStdoutLine(
    std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    size_t newline = stdout_buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, newline);
      stdout_buffer_.erase(0, newline + 1);
      return line;
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, MillisLeft(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line on stdout; so far: \"", stdout_buffer_, "\""));
    }
    char buf[4096];
    ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(absl::StrCat(
          "stdout closed before a full line; got \"", stdout_buffer_, "\""));
    }
    stdout_buffer_.append(buf, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> PluginProcess::ReadStdoutToEof(
    std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, MillisLeft(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      return absl::DeadlineExceededError("stdout still open");
    }
    char buf[4096];
    ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    stdout_buffer_.append(buf, static_cast<size_t>(n));
  }
  std::string rest = std::move(stdout_buffer_);
  stdout_buffer_.clear();
  return rest;
}

absl::StatusOr<int> PluginProcess::WaitForExit(
    std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!reaped_) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      exit_code_ =
          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (r < 0 && errno != EINTR) return absl::InternalError("waitpid");
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError("process still running");
    }
    ::usleep(1000);
  }
  return exit_code_;
}

bool PluginProcess::Running() {
  if (reaped_) return false;
  return !WaitForExit(std::chrono::milliseconds(0)).ok();
}

void PluginProcess::Signal(int signo) {
  if (!reaped_) ::kill(pid_, signo);
}

std::string PluginProcess::Stderr() {
  // After exit, wait for the drain thread to reach EOF so nothing is missed.
  if (reaped_ && stderr_thread_.joinable()) stderr_thread_.join();
  absl::MutexLock lock(&mu_);
  return stderr_;
}

absl::StatusOr<std::string> Base64Decode(const std::string& text) {
  std::string out;
  if (!absl::Base64Unescape(text, &out)) {
    return absl::InvalidArgumentError("bad base64");
  }
  return out;
}

absl::StatusOr<std::string> DerToPem(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) return absl::InvalidArgumentError("not a certificate");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  X509_free(cert);
  return pem;
}

std::shared_ptr<grpc::Channel> Connect(const HandshakeFields& handshake,
                                       const plugin::Certificate* client) {
  const std::string target = handshake.network == "unix"
                                 ? absl::StrCat("unix:", handshake.address)
                                 : handshake.address;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  if (handshake.cert_base64.empty()) {
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                     args);
  }
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> der = Base64Decode(handshake.cert_base64);
  if (der.ok()) {
    absl::StatusOr<std::string> pem = DerToPem(*der);
    if (pem.ok()) ssl.pem_root_certs = *pem;
  }
  if (client != nullptr) {
    ssl.pem_private_key = client->key_pem;
    ssl.pem_cert_chain = client->cert_pem;
  }
  args.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
}

absl::StatusOr<int> HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service,
                                std::chrono::milliseconds timeout) {
  // HealthCheckRequest{service = 1 (string)}.
  std::string request;
  if (!service.empty()) {
    request.push_back(0x0a);
    request.push_back(static_cast<char>(service.size()));
    request += service;
  }
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::CompletionQueue cq;
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check",
                            request_buffer, &cq);
  call->StartCall();
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  call->Finish(&response_buffer, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) return ToAbsl(status);
  std::vector<grpc::Slice> slices;
  response_buffer.Dump(&slices);
  std::string response;
  for (const grpc::Slice& s : slices) {
    response.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  // HealthCheckResponse{status = 1 (enum)}; empty means UNKNOWN (0).
  if (response.empty()) return 0;
  if (response.size() == 2 && response[0] == 0x08) return response[1];
  return absl::InternalError("unexpected HealthCheckResponse bytes");
}

absl::Status CallShutdown(const std::shared_ptr<grpc::Channel>& channel,
                          std::chrono::milliseconds timeout) {
  auto stub = ::plugin::GRPCController::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  ::plugin::Empty request;
  ::plugin::Empty response;
  return ToAbsl(stub->Shutdown(&context, request, &response));
}

absl::Status ToAbsl(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace cvm::testing
