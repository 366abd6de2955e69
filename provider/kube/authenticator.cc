// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/authenticator.h"

#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "provider/kube/exec_credential.h"
#include "provider/kube/file_util.h"
#include "provider/util/log.h"
#include "provider/util/status_macros.h"

namespace cvm::kube {
namespace {

// Refresh an exec credential this long before it expires.
constexpr absl::Duration kExpirySkew = absl::Seconds(10);

// A cheap identity of a file's current content: inode, size, mtime.
std::string FileStamp(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

}  // namespace

Authenticator::Authenticator(const RestConfig& config, Clock* clock)
    : config_(config), clock_(clock) {}

absl::StatusOr<Credentials> Authenticator::Get(absl::Time deadline,
                                               const CancelToken* cancel) {
  if (config_.exec.has_value()) {
    absl::MutexLock lock(&mu_);
    return FromExecLocked(deadline, cancel);
  }
  if (!config_.token_file.empty()) {
    absl::MutexLock lock(&mu_);
    return FromTokenFileLocked();
  }
  Credentials c;
  c.token = config_.token;
  return c;
}

absl::StatusOr<Credentials> Authenticator::FromTokenFileLocked() {
  std::string stamp = FileStamp(config_.token_file);
  if (stamp.empty() || stamp != file_stamp_) {
    absl::StatusOr<std::string> data =
        internal::ReadFile(config_.token_file, "token file");
    if (!data.ok()) {
      // Keep using the last good token while the file is being replaced.
      if (file_token_.empty()) return data.status();
    } else {
      file_token_ = std::string(absl::StripAsciiWhitespace(*data));
      file_stamp_ = stamp;
      util::LogDebug("kube: read bearer token file",
                     {{"path", config_.token_file}});
    }
  }
  if (file_token_.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("token file \"", config_.token_file, "\" is empty"));
  }
  Credentials c;
  c.token = file_token_;
  return c;
}

absl::StatusOr<Credentials> Authenticator::FromExecLocked(
    absl::Time deadline, const CancelToken* cancel) {
  absl::Time now = clock_->Now();
  if (exec_cached_.has_value() &&
      (!exec_expiry_.has_value() || now + kExpirySkew < *exec_expiry_)) {
    return *exec_cached_;
  }
  const ExecConfig& exec = *config_.exec;
  util::LogDebug("kube: running exec credential plugin",
                 {{"command", exec.command}});
  exec_runs_.fetch_add(1);
  CVM_ASSIGN_OR_RETURN(
      std::string output,
      RunExecPlugin(exec, ExecInfoJson(exec, config_), deadline, cancel));
  CVM_ASSIGN_OR_RETURN(ExecCredential cred,
                       ParseExecCredential(output, exec.api_version));
  Credentials c;
  c.token = cred.token;
  c.client_certificate_pem = cred.client_certificate_pem;
  c.client_key_pem = cred.client_key_pem;
  exec_cached_ = c;
  exec_expiry_ = cred.expiration;
  return c;
}

bool Authenticator::InvalidateAfterUnauthorized(const Credentials& used) {
  if (config_.exec.has_value()) {
    absl::MutexLock lock(&mu_);
    // Another thread may already have refreshed; drop only what was used.
    if (exec_cached_.has_value() && exec_cached_->token == used.token &&
        exec_cached_->client_certificate_pem == used.client_certificate_pem) {
      exec_cached_.reset();
      exec_expiry_.reset();
    }
    return true;
  }
  if (!config_.token_file.empty()) {
    absl::MutexLock lock(&mu_);
    file_stamp_.clear();  // force a re-read
    absl::StatusOr<Credentials> fresh = FromTokenFileLocked();
    return fresh.ok() && fresh->token != used.token;
  }
  return false;
}

}  // namespace cvm::kube
