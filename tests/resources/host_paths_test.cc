// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/host_paths.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cvm::resources {
namespace {

// The three rows of Coder v1's CVM matrix (product.md, domain.md 1.1.7),
// spelled out in full: the order is the table's column order. The node's
// /var/run and /var/lib are seen under /mnt/host, where they shadow nothing
// of the container's own /run and /var/lib.
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
       {{"/usr/src", "/usr/src", true},
        {"/lib/modules", "/lib/modules", true}}},
      {"caching on",
       true,
       false,
       {{"/usr/src", "/usr/src", true},
        {"/lib/modules", "/lib/modules", true},
        {"/var/run", "/mnt/host/var/run", true},
        {"/var/lib", "/mnt/host/var/lib", false}}},
      {"caching and auto-loaded shiftfs",
       true,
       true,
       {{"/usr/src", "/usr/src", false},
        {"/lib/modules", "/lib/modules", false},
        {"/var/run", "/mnt/host/var/run", true},
        {"/var/lib", "/mnt/host/var/lib", false}}},
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
  const std::vector<HostPathMount> want = {
      {"/usr/src", "/usr/src", true}, {"/lib/modules", "/lib/modules", true}};
  EXPECT_EQ(HostPathMounts(false, true), want);
}

// No mount lands on /run, /var/run, /var/lib or below them: envbox's dockerd
// and Sysbox write there, and the kubelet mounts the service-account token
// at /var/run/secrets, which a read-only /var/run makes impossible.
TEST(HostPathMountsTest, NothingShadowsTheContainersOwnRunAndVarLib) {
  for (bool caching : {false, true}) {
    for (bool shiftfs : {false, true}) {
      for (const HostPathMount& m : HostPathMounts(caching, shiftfs)) {
        for (const std::string dir : {"/run", "/var/run", "/var/lib"}) {
          EXPECT_FALSE(m.mount_path == dir ||
                       m.mount_path.rfind(dir + "/", 0) == 0)
              << m.mount_path;
        }
      }
    }
  }
}

TEST(HostPathsValueTest, ListsPathMountPathAndReadOnly) {
  const values::Value v =
      HostPathsValue({{"/var/run", "/mnt/host/var/run", true}});
  ASSERT_EQ(v.Elements().size(), 1u);
  const values::Value& m = v.Elements()[0];
  EXPECT_EQ(m.GetAttr("path"), values::Value::String("/var/run"));
  EXPECT_EQ(m.GetAttr("mount_path"),
            values::Value::String("/mnt/host/var/run"));
  EXPECT_EQ(m.GetAttr("read_only"), values::Value::Bool(true));
}

}  // namespace
}  // namespace cvm::resources
