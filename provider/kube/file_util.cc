// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cvm::kube::internal {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view what) {
  constexpr off_t kMaxSize = 16 << 20;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = absl::StrCat("cannot open ", what, " \"", path,
                                       "\": ", std::strerror(err));
    if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
    if (err == EACCES || err == EPERM) {
      return absl::PermissionDeniedError(message);
    }
    return absl::UnavailableError(message);
  }
  absl::Cleanup closer = [fd] { ::close(fd); };
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot stat ", what, " \"", path, "\""));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", path, "\" is a directory"));
  }
  if (st.st_size > kMaxSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", path, "\" is larger than 16 MiB"));
  }
  std::string data;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat(
          "cannot read ", what, " \"", path, "\": ", std::strerror(errno)));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > static_cast<size_t>(kMaxSize)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " \"", path, "\" is larger than 16 MiB"));
    }
  }
  return data;
}

std::string DirName(absl::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string ResolvePath(absl::string_view base_dir, absl::string_view path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) {
    return std::string(path);
  }
  return absl::StrCat(base_dir, "/", path);
}

bool LooksLikePem(absl::string_view text) {
  return absl::StrContains(text, "-----BEGIN ");
}

}  // namespace cvm::kube::internal
