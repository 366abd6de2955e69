// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "provider/kube/curl_transport.h"

extern char** environ;

namespace cvm::kube {
namespace {

using nlohmann::json;

constexpr size_t kMaxStdout = 1 << 20;
constexpr size_t kMaxStderrShown = 512;

std::string Str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

absl::Status Bad(absl::string_view what) {
  return absl::UnauthenticatedError(
      absl::StrCat("exec plugin output is not a valid ExecCredential: ", what));
}

std::string CommandName(const ExecConfig& exec) {
  return absl::StrCat("exec plugin \"", exec.command, "\"");
}

void SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// The plugin's environment as "NAME=value" strings: ours (without what the
// provider added to it), then exec.env, then KUBERNETES_EXEC_INFO.
std::vector<std::string> PluginEnvironment(const ExecConfig& exec,
                                           const std::string& exec_info) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr) continue;
    std::string name(*e, static_cast<size_t>(eq - *e));
    if (ProviderAddedEnvironmentVariable(name)) continue;
    vars[std::move(name)] = std::string(eq + 1);
  }
  for (const auto& [name, value] : exec.env) vars[name] = value;
  vars["KUBERNETES_EXEC_INFO"] = exec_info;
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : vars) {
    env_strings.push_back(absl::StrCat(name, "=", value));
  }
  return env_strings;
}

// argv/envp for posix_spawn: pointers into `strings`, then a null.
std::vector<char*> NullTerminated(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Reads the plugin's stdout and stderr (non-blocking pipes) into `out` and
// `err` until both close. Returns the failure that ends the wait early
// (cancelled, deadline, poll error, over 1 MiB of stdout), else OK.
absl::Status ReadPluginOutput(const ExecConfig& exec, int out_fd, int err_fd,
                              absl::Time deadline, const CancelToken* cancel,
                              std::string* out, std::string* err) {
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    if (IsCancelled(cancel)) {
      return absl::CancelledError(
          absl::StrCat(CommandName(exec), " was cancelled"));
    }
    absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(CommandName(exec), " did not finish in time"));
    }
    absl::Duration left = std::min(deadline - now, absl::Milliseconds(50));
    int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(left)) + 1;
    pollfd fds[2];
    nfds_t n = 0;
    if (out_open) fds[n++] = {out_fd, POLLIN, 0};
    if (err_open) fds[n++] = {err_fd, POLLIN, 0};
    int ready = ::poll(fds, n, wait_ms);
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError("poll failed on the exec plugin's pipes");
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      bool is_out = fds[i].fd == out_fd;
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        std::string& target = is_out ? *out : *err;
        if (target.size() < kMaxStdout + 1) target.append(buf, got);
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        (is_out ? out_open : err_open) = false;
      }
    }
    if (out->size() > kMaxStdout) {
      return absl::ResourceExhaustedError(
          absl::StrCat(CommandName(exec), " printed more than 1 MiB"));
    }
  }
  return absl::OkStatus();
}

// The error for a plugin that did not exit with 0 (`wstatus` as waitpid
// gives it), with the start of its stderr `err`; OK when it did.
absl::Status ExitFailure(const ExecConfig& exec, int wstatus,
                         const std::string& err) {
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
    return absl::OkStatus();
  }
  std::string how = WIFEXITED(wstatus)
                        ? absl::StrCat("exit code ", WEXITSTATUS(wstatus))
                        : absl::StrCat("signal ", WTERMSIG(wstatus));
  std::string shown(absl::StripAsciiWhitespace(err));
  if (shown.size() > kMaxStderrShown) {
    shown = absl::StrCat(shown.substr(0, kMaxStderrShown), "...");
  }
  return absl::UnauthenticatedError(
      absl::StrCat(CommandName(exec), " failed with ", how,
                   shown.empty() ? "" : absl::StrCat(": ", shown)));
}

}  // namespace

absl::StatusOr<ExecCredential> ParseExecCredential(
    absl::string_view output, absl::string_view api_version) {
  json j = json::parse(output.begin(), output.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Bad("not a JSON object");
  std::string got_version = Str(j, "apiVersion");
  if (got_version != api_version) {
    return Bad(absl::StrCat("apiVersion \"", got_version, "\", expected \"",
                            api_version, "\""));
  }
  if (Str(j, "kind") != "ExecCredential")
    return Bad("kind is not ExecCredential");
  auto status = j.find("status");
  if (status == j.end() || !status->is_object()) return Bad("no status");
  ExecCredential cred;
  cred.token = Str(*status, "token");
  cred.client_certificate_pem = Str(*status, "clientCertificateData");
  cred.client_key_pem = Str(*status, "clientKeyData");
  if (cred.client_certificate_pem.empty() != cred.client_key_pem.empty()) {
    return Bad("clientCertificateData and clientKeyData must come together");
  }
  if (cred.token.empty() && cred.client_certificate_pem.empty()) {
    return Bad("status has neither token nor clientCertificateData");
  }
  std::string expiry = Str(*status, "expirationTimestamp");
  if (!expiry.empty()) {
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, expiry, &t, &err)) {
      return Bad(
          absl::StrCat("expirationTimestamp \"", expiry, "\" is not RFC 3339"));
    }
    cred.expiration = t;
  }
  return cred;
}

std::string ExecInfoJson(const ExecConfig& exec, const RestConfig& config) {
  json spec = {{"interactive", false}};
  if (exec.provide_cluster_info) {
    json cluster = {{"server", config.host}};
    if (!config.tls_server_name.empty()) {
      cluster["tls-server-name"] = config.tls_server_name;
    }
    if (config.insecure) cluster["insecure-skip-tls-verify"] = true;
    if (!config.ca_pem.empty()) {
      cluster["certificate-authority-data"] = absl::Base64Escape(config.ca_pem);
    }
    if (!config.proxy_url.empty()) cluster["proxy-url"] = config.proxy_url;
    spec["cluster"] = cluster;
  }
  json info = {{"apiVersion", exec.api_version},
               {"kind", "ExecCredential"},
               {"spec", spec}};
  return info.dump();
}

absl::StatusOr<std::string> RunExecPlugin(const ExecConfig& exec,
                                          const std::string& exec_info,
                                          absl::Time deadline,
                                          const CancelToken* cancel) {
  std::vector<std::string> env_strings = PluginEnvironment(exec, exec_info);
  std::vector<char*> envp = NullTerminated(env_strings);
  std::vector<std::string> arg_strings = {exec.command};
  arg_strings.insert(arg_strings.end(), exec.args.begin(), exec.args.end());
  std::vector<char*> argv = NullTerminated(arg_strings);

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return absl::UnavailableError("cannot create a pipe for the exec plugin");
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return absl::UnavailableError("cannot create a pipe for the exec plugin");
  }
  absl::Cleanup close_reads = [&] {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
  };

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, exec.command.c_str(), &actions, nullptr,
                          argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    std::string message = absl::StrCat(
        CommandName(exec), " could not be started: ", std::strerror(rc));
    if (!exec.install_hint.empty()) {
      absl::StrAppend(&message, ". ", exec.install_hint);
    }
    return absl::FailedPreconditionError(message);
  }

  SetNonBlocking(out_pipe[0]);
  SetNonBlocking(err_pipe[0]);
  std::string out;
  std::string err;
  absl::Status failure = ReadPluginOutput(exec, out_pipe[0], err_pipe[0],
                                          deadline, cancel, &out, &err);
  if (!failure.ok()) ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!failure.ok()) return failure;
  if (absl::Status exited = ExitFailure(exec, wstatus, err); !exited.ok()) {
    return exited;
  }
  return out;
}

}  // namespace cvm::kube
