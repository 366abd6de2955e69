// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/host_paths.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cvm::resources {
namespace {

// The three rows of Coder v1's CVM matrix (product.md, domain.md 1.1.7),
// spelled out in full: the order is the table's column order.
TEST(HostPathMountsTest, MatchesTheCvmMatrixExactly) {
  struct Case {
    std::string name;
    bool caching;
    bool auto_load_shiftfs;
    std::vector<HostPathMount> want;
  };
  const std::vector<Case> cases = {
      {"caching off",
       false,
       false,
       {{"/usr/src", true}, {"/lib/modules", true}}},
      {"caching on",
       true,
       false,
       {{"/usr/src", true},
        {"/lib/modules", true},
        {"/var/run", true},
        {"/var/lib", false}}},
      {"caching and auto-loaded shiftfs",
       true,
       true,
       {{"/usr/src", false},
        {"/lib/modules", false},
        {"/var/run", true},
        {"/var/lib", false}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(HostPathMounts(c.caching, c.auto_load_shiftfs), c.want);
  }
}

// auto_load_shiftfs without caching is refused at plan time; should it get
// here anyway, the kernel paths must stay read-only (V26: /usr/src and
// /lib/modules are writable only with auto-loading *and* caching).
TEST(HostPathMountsTest, ShiftfsWithoutCachingKeepsKernelPathsReadOnly) {
  const std::vector<HostPathMount> want = {{"/usr/src", true},
                                           {"/lib/modules", true}};
  EXPECT_EQ(HostPathMounts(false, true), want);
}

}  // namespace
}  // namespace cvm::resources
