// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The parts of envbox's start-up contract (coder/envbox cli/docker.go,
// cli/cliflag) that the envbox test double applies exactly as envbox does:
// how CODER_MOUNTS is parsed, which mounts envbox leaves alone, who owns a
// mount source afterwards, how CODER_INNER_ENVS selects variables and how
// env values parse as flags. Pure functions; thread-safe. Test-only code.

#ifndef CVM_TESTS_CLUSTER_NODE_ENVBOX_CONTRACT_H_
#define CVM_TESTS_CLUSTER_NODE_ENVBOX_CONTRACT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cvm::testing::envbox {

// envbox's user-namespace offset: inner uid N is uid N + 100000 outside.
inline constexpr uint32_t kUserNamespaceOffset = 100000;

struct Mount {
  std::string source;  // path in the outer (envbox) container
  std::string target;  // path in the inner container
  bool read_only = false;
  bool operator==(const Mount&) const = default;
};

// envbox's parseMounts, with its two default mounts first. Returns nullopt
// and sets *error to envbox's message ("malformed mounts value ...") when an
// entry does not have 2 or 3 ':'-separated parts. A third part other than
// "ro" means read-write, as in envbox.
std::optional<std::vector<Mount>> ParseMounts(std::string_view value,
                                              std::string* error);

// True for mounts envbox never chmods or chowns (keyed on the inner target).
bool IsPrivateMount(const Mount& m);

// envbox's isHomeDir: "/root" or a direct child of "/home/".
bool IsHomeDir(std::string_view source);

struct Owner {
  uint32_t uid = 0, gid = 0;
  bool operator==(const Owner&) const = default;
};

// The owner envbox gives a (non-private) mount source: the inner user
// shifted by the offset for home directories, else the inner root (shifted).
Owner MountOwner(const Mount& m, uint32_t inner_uid, uint32_t inner_gid);

// Go's strconv.ParseBool and strconv.Atoi (what envbox's flags use). envbox
// itself silently takes the flag default when these fail.
std::optional<bool> ParseGoBool(std::string_view text);
std::optional<int64_t> ParseGoInt(std::string_view text);

// The entries of `environ` ("NAME=value") that CODER_INNER_ENVS `filters`
// selects: exact names, or a prefix with a trailing '*'; in filter order.
std::vector<std::string> SelectInnerEnvs(
    std::string_view filters, const std::vector<std::string>& environ);

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0, gid = 0;
  std::string home;
};

// The line for `name` in /etc/passwd text (what envbox's `getent passwd`
// in the inner image returns), or nullopt.
std::optional<PasswdEntry> FindUser(std::string_view passwd,
                                    std::string_view name);

}  // namespace cvm::testing::envbox

#endif  // CVM_TESTS_CLUSTER_NODE_ENVBOX_CONTRACT_H_
