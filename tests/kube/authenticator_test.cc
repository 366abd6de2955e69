// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/authenticator.h"

#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::FakeClock;
using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::cvm::testing::TempDir;
using ::testing::HasSubstr;

// An exec plugin that counts its runs in $COUNT_FILE and prints token
// "tok-<run>" expiring at $EXPIRY (omitted when empty).
constexpr char kCountingPlugin[] = R"(#!/bin/sh
n=$(cat "$COUNT_FILE" 2>/dev/null || echo 0)
n=$((n+1))
echo $n > "$COUNT_FILE"
if [ -n "$EXPIRY" ]; then
  exp=",\"expirationTimestamp\":\"$EXPIRY\""
fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s"%s}}' "$n" "$exp"
)";

RestConfig ExecConfigFor(const TempDir& dir, const std::string& expiry) {
  RestConfig rc;
  rc.host = "https://h";
  ExecConfig exec;
  exec.api_version = "client.authentication.k8s.io/v1";
  exec.command = dir.Write("plugin.sh", kCountingPlugin, 0755);
  exec.env = {{"COUNT_FILE", dir.path() + "/count"}, {"EXPIRY", expiry}};
  rc.exec = exec;
  return rc;
}

absl::Time Far() { return absl::Now() + absl::Seconds(30); }

TEST(AuthenticatorTest, StaticToken) {
  FakeClock clock;
  RestConfig rc;
  rc.token = "static";
  Authenticator auth(rc, &clock);
  CVM_ASSERT_OK_AND_ASSIGN(Credentials c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "static");
  EXPECT_FALSE(auth.InvalidateAfterUnauthorized(c));
}

TEST(AuthenticatorTest, TokenFileIsReReadWhenItChanges) {
  FakeClock clock;
  TempDir dir;
  RestConfig rc;
  rc.token_file = dir.Write("token", "first\n");
  Authenticator auth(rc, &clock);
  CVM_ASSERT_OK_AND_ASSIGN(Credentials c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "first");
  dir.Write("token", "second-rotated");  // a new inode, like kubelet's swap
  CVM_ASSERT_OK_AND_ASSIGN(c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "second-rotated");
  // A 401 with an unchanged file: retrying cannot help.
  EXPECT_FALSE(auth.InvalidateAfterUnauthorized(c));
  // A 401 after a rotation the stat did not see: re-read, retry.
  Credentials old = c;
  dir.Write("token", "third");
  EXPECT_TRUE(auth.InvalidateAfterUnauthorized(old));
  CVM_ASSERT_OK_AND_ASSIGN(c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "third");
}

TEST(AuthenticatorTest, TokenFileMissingIsAnError) {
  FakeClock clock;
  RestConfig rc;
  rc.token_file = "/nonexistent/token";
  Authenticator auth(rc, &clock);
  EXPECT_THAT(auth.Get(Far(), nullptr),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("token file")));
}

TEST(AuthenticatorTest, ExecCredentialIsCachedUntilExpiry) {
  FakeClock clock(absl::FromUnixSeconds(1893456000));  // 2030-01-01T00:00:00Z
  TempDir dir;
  Authenticator auth(ExecConfigFor(dir, "2030-01-01T01:00:00Z"), &clock);
  CVM_ASSERT_OK_AND_ASSIGN(Credentials c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "tok-1");
  clock.Advance(absl::Minutes(30));
  CVM_ASSERT_OK_AND_ASSIGN(c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "tok-1");
  EXPECT_EQ(auth.exec_runs(), 1);
  clock.Advance(absl::Minutes(30));  // expired
  CVM_ASSERT_OK_AND_ASSIGN(c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "tok-2");
  EXPECT_EQ(auth.exec_runs(), 2);
}

TEST(AuthenticatorTest, ExecWithoutExpiryIsRerunAfterUnauthorized) {
  FakeClock clock;
  TempDir dir;
  Authenticator auth(ExecConfigFor(dir, ""), &clock);
  CVM_ASSERT_OK_AND_ASSIGN(Credentials c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "tok-1");
  clock.Advance(absl::Hours(1000));
  CVM_ASSERT_OK_AND_ASSIGN(c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "tok-1");
  EXPECT_TRUE(auth.InvalidateAfterUnauthorized(c));
  CVM_ASSERT_OK_AND_ASSIGN(c, auth.Get(Far(), nullptr));
  EXPECT_EQ(c.token, "tok-2");
  EXPECT_EQ(auth.exec_runs(), 2);
}

}  // namespace
}  // namespace cvm::kube
