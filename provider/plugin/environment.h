// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The environment a go-plugin client (Terraform) hands the provider process:
// the magic cookie, the accepted protocol versions, the TCP port range, the
// client certificate. Pure parsing helpers plus one function that reads the
// real environment. Part of plugin/ (the go-plugin process contract); nothing
// here is Terraform-specific except the cookie constants go-plugin defines for
// Terraform.

#ifndef CVM_PROVIDER_PLUGIN_ENVIRONMENT_H_
#define CVM_PROVIDER_PLUGIN_ENVIRONMENT_H_

#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cvm::plugin {

// go-plugin's handshake cookie as Terraform sets it (terraform
// internal/plugin6/serve.go; "should NEVER be changed").
inline constexpr std::string_view kMagicCookieKey = "TF_PLUGIN_MAGIC_COOKIE";
inline constexpr std::string_view kMagicCookieValue =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

// What go-plugin servers print on stderr when started without the cookie
// (go-plugin server.go), newline-terminated.
inline constexpr std::string_view kNotAPluginMessage =
    "This binary is a plugin. These are not meant to be executed directly.\n"
    "Please execute the program that consumes these plugins, which will\n"
    "load any plugins automatically\n";

// The go-plugin core protocol version and the application protocol this
// provider speaks (tfplugin6).
inline constexpr int kCoreProtocolVersion = 1;
inline constexpr int kAppProtocolVersion = 6;

// Parses PLUGIN_PROTOCOL_VERSIONS ("5,6": comma-separated decimal integers, in
// any order, surrounding blanks allowed) into a set.
// Returns the set of versions; an empty set for empty or blank `text`.
// Returns kInvalidArgument if an entry is empty or not a non-negative decimal
// integer that fits in an int.
absl::StatusOr<std::set<int>> ParseProtocolVersions(std::string_view text);

// An inclusive TCP port range; {0, 0} means "any port the OS picks".
struct PortRange {
  int min = 0;
  int max = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

// Parses PLUGIN_MIN_PORT / PLUGIN_MAX_PORT the way go-plugin's TCP listener
// does: an empty value means 0.
// Returns the range on success.
// Returns kInvalidArgument if a value is not a decimal integer in [0, 65535],
// or if min > max.
absl::StatusOr<PortRange> ParsePortRange(std::string_view min_text,
                                         std::string_view max_text);

// Returns the value of the environment variable `name`, or "" when unset.
std::string GetEnv(const char* name);

}  // namespace cvm::plugin

#endif  // CVM_PROVIDER_PLUGIN_ENVIRONMENT_H_
