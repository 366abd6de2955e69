// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Process statistics for benchmarks: the CPU time and peak memory of this
// process (getrusage(RUSAGE_SELF)) plus caller-supplied counters, appended
// as one JSON line to a file. terraform-provider-cvm writes such a line at
// exit when CVM_STATS_FILE names a file (a debugging and benchmarking aid,
// off by default; bench/run.sh uses it). Part of util/: no Terraform or
// Kubernetes knowledge.

#ifndef CVM_PROVIDER_UTIL_PROCESS_STATS_H_
#define CVM_PROVIDER_UTIL_PROCESS_STATS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace cvm::util {

// The environment variable naming the stats file.
inline constexpr char kStatsFileEnv[] = "CVM_STATS_FILE";

// CPU time and peak resident set of the calling process, all threads.
struct ProcessUsage {
  int64_t user_us = 0;      // user CPU, microseconds
  int64_t sys_us = 0;       // system CPU, microseconds
  int64_t max_rss_kib = 0;  // peak resident set size of this image, KiB
  int64_t ru_maxrss_kib = 0;  // getrusage's ru_maxrss, KiB (see below)
};

// CPU time from getrusage(RUSAGE_SELF). The peak RSS is VmHWM from
// /proc/self/status: ru_maxrss also keeps the high-water mark of the memory
// the process had before exec, which for a child that Go's os/exec starts
// (vfork-style, sharing the parent's memory until exec) is Terraform's own
// peak RSS, not ours. Falls back to ru_maxrss without /proc. Zeroes if
// getrusage fails (it cannot for SELF).
ProcessUsage SelfUsage();

// One JSON object on one line, newline included:
//   {"pid":123,"user_us":..,"sys_us":..,"max_rss_kib":..,"ru_maxrss_kib":..,
//    "requests":{"get":..}}
// `requests` keeps the given order; names must be plain JSON-safe words.
std::string FormatStatsLine(int64_t pid, const ProcessUsage& usage,
                            const std::vector<std::pair<std::string, int64_t>>& requests);

// Appends `line` to `path` (created 0600 if missing) with one write() in
// O_APPEND mode, so lines from concurrent processes do not interleave.
// Errors: kInternal (with errno text) when the file cannot be opened or
// the write is short.
absl::Status AppendLine(const std::string& path, const std::string& line);

}  // namespace cvm::util

#endif  // CVM_PROVIDER_UTIL_PROCESS_STATS_H_
