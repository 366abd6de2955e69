// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "tests/cluster/node/envbox_contract.h"

#include <charconv>
#include <set>

namespace cvm::testing::envbox {
namespace {

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::vector<Mount>> ParseMounts(std::string_view value,
                                              std::string* error) {
  std::vector<Mount> mounts = {
      {"/var/lib/coder/docker", "/var/lib/docker", false},
      {"/var/lib/coder/containers", "/var/lib/containers", false},
  };
  if (value.empty()) return mounts;
  for (std::string_view entry : Split(value, ',')) {
    const std::vector<std::string_view> tokens = Split(entry, ':');
    if (tokens.size() < 2 || tokens.size() > 3) {
      *error = "malformed mounts value \"" + std::string(value) + "\"";
      return std::nullopt;
    }
    mounts.push_back({std::string(tokens[0]), std::string(tokens[1]),
                      tokens.size() == 3 && tokens[2] == "ro"});
  }
  return mounts;
}

bool IsPrivateMount(const Mount& m) {
  static const std::set<std::string, std::less<>> kPrivate = {
      "/var/lib/containers", "/var/lib/docker", "/var/lib/sysbox",
      "/lib/modules",        "/usr/src",        "/var/lib/coder"};
  return kPrivate.count(m.target) > 0;
}

bool IsHomeDir(std::string_view source) {
  if (source == "/root") return true;
  // Go's path.Split: everything up to and including the last '/'.
  const size_t slash = source.rfind('/');
  return slash != std::string_view::npos &&
         source.substr(0, slash + 1) == "/home/";
}

Owner MountOwner(const Mount& m, uint32_t inner_uid, uint32_t inner_gid) {
  if (IsHomeDir(m.source)) {
    return {inner_uid + kUserNamespaceOffset, inner_gid + kUserNamespaceOffset};
  }
  return {kUserNamespaceOffset, kUserNamespaceOffset};
}

std::optional<bool> ParseGoBool(std::string_view text) {
  static const std::set<std::string_view> kTrue = {"1",    "t",    "T",
                                                   "TRUE", "true", "True"};
  static const std::set<std::string_view> kFalse = {"0",     "f",     "F",
                                                    "FALSE", "false", "False"};
  if (kTrue.count(text)) return true;
  if (kFalse.count(text)) return false;
  return std::nullopt;
}

std::optional<int64_t> ParseGoInt(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::vector<std::string> SelectInnerEnvs(
    std::string_view filters, const std::vector<std::string>& environ) {
  std::vector<std::string> selected;
  if (filters.empty()) return selected;
  for (std::string_view raw : Split(filters, ',')) {
    const std::string_view filter = Trim(raw);
    for (const std::string& entry : environ) {
      const size_t eq = entry.find('=');
      if (eq == std::string::npos) continue;
      const std::string_view key(entry.data(), eq);
      const bool match = !filter.empty() && filter.back() == '*'
                             ? key.substr(0, filter.size() - 1) ==
                                   filter.substr(0, filter.size() - 1)
                             : key == filter;
      if (match) selected.push_back(entry);
    }
  }
  return selected;
}

std::optional<PasswdEntry> FindUser(std::string_view passwd,
                                    std::string_view name) {
  for (std::string_view line : Split(passwd, '\n')) {
    const std::vector<std::string_view> f = Split(line, ':');
    if (f.size() < 7 || f[0] != name) continue;
    const std::optional<int64_t> uid = ParseGoInt(f[2]);
    const std::optional<int64_t> gid = ParseGoInt(f[3]);
    if (!uid || !gid || *uid < 0 || *gid < 0) return std::nullopt;
    return PasswdEntry{std::string(f[0]), static_cast<uint32_t>(*uid),
                       static_cast<uint32_t>(*gid), std::string(f[5])};
  }
  return std::nullopt;
}

}  // namespace cvm::testing::envbox
