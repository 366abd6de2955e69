// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/util/process_stats.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cvm::util {

ProcessUsage SelfUsage() {
  ProcessUsage usage;
  struct rusage ru;
  if (::getrusage(RUSAGE_SELF, &ru) != 0) return usage;
  usage.user_us = int64_t{ru.ru_utime.tv_sec} * 1000000 + ru.ru_utime.tv_usec;
  usage.sys_us = int64_t{ru.ru_stime.tv_sec} * 1000000 + ru.ru_stime.tv_usec;
  usage.ru_maxrss_kib = ru.ru_maxrss;  // Linux: kilobytes
  usage.max_rss_kib = ru.ru_maxrss;
  if (std::FILE* f = std::fopen("/proc/self/status", "re"); f != nullptr) {
    char line[256];
    long long kib = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::sscanf(line, "VmHWM: %lld kB", &kib) == 1) {
        usage.max_rss_kib = kib;
        break;
      }
    }
    std::fclose(f);
  }
  return usage;
}

std::string FormatStatsLine(
    int64_t pid, const ProcessUsage& usage,
    const std::vector<std::pair<std::string, int64_t>>& requests) {
  std::string line = absl::StrCat("{\"pid\":", pid, ",\"user_us\":", usage.user_us,
                                  ",\"sys_us\":", usage.sys_us,
                                  ",\"max_rss_kib\":", usage.max_rss_kib,
                                  ",\"ru_maxrss_kib\":", usage.ru_maxrss_kib,
                                  ",\"requests\":{");
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StrAppend(&line, i == 0 ? "" : ",", "\"", requests[i].first,
                    "\":", requests[i].second);
  }
  line += "}}\n";
  return line;
}

absl::Status AppendLine(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("open ", path, ": ", std::strerror(errno)));
  }
  ssize_t written;
  do {
    written = ::write(fd, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  int write_errno = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    return absl::InternalError(absl::StrCat(
        "write ", path, ": ",
        written < 0 ? std::strerror(write_errno) : "short write"));
  }
  return absl::OkStatus();
}

}  // namespace cvm::util
