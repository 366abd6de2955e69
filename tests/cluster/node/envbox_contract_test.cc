// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The envbox double must apply envbox's rules exactly; these cases are the
// ones envbox's own tests (cli/docker_test.go, integration/docker_test.go)
// pin down.

#include "tests/cluster/node/envbox_contract.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cvm::testing::envbox {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ParseMountsTest, DefaultsComeFirstThenEachEntry) {
  std::string error;
  auto mounts =
      ParseMounts("/home/coder:/home/coder,/var/secrets:/secrets:ro", &error);
  ASSERT_TRUE(mounts.has_value()) << error;
  EXPECT_THAT(
      *mounts,
      ElementsAre(
          Mount{"/var/lib/coder/docker", "/var/lib/docker", false},
          Mount{"/var/lib/coder/containers", "/var/lib/containers", false},
          Mount{"/home/coder", "/home/coder", false},
          Mount{"/var/secrets", "/secrets", true}));
}

TEST(ParseMountsTest, OnlyTheLiteralRoIsReadOnly) {
  std::string error;
  auto mounts = ParseMounts("/a:/b:RO,/c:/d:rw", &error);
  ASSERT_TRUE(mounts.has_value());
  EXPECT_FALSE((*mounts)[2].read_only);
  EXPECT_FALSE((*mounts)[3].read_only);
}

TEST(ParseMountsTest, RejectsEntriesWithoutTwoOrThreeParts) {
  for (const char* bad : {"/a", "/a:/b:ro:x", "/a:/b,", "/a:/b,/c"}) {
    std::string error;
    EXPECT_FALSE(ParseMounts(bad, &error).has_value()) << bad;
    EXPECT_EQ(error, std::string("malformed mounts value \"") + bad + "\"");
  }
}

TEST(IsHomeDirTest, RootOrADirectChildOfHome) {
  EXPECT_TRUE(IsHomeDir("/root"));
  EXPECT_TRUE(IsHomeDir("/home/coder"));
  EXPECT_TRUE(IsHomeDir("/home/.cvm-mount-0"));
  EXPECT_FALSE(IsHomeDir("/home"));
  EXPECT_FALSE(IsHomeDir("/home/coder/"));
  EXPECT_FALSE(IsHomeDir("/home/coder/projects"));
  EXPECT_FALSE(IsHomeDir("/var/lib/cvm/mounts/0"));
}

TEST(MountOwnerTest, HomeDirsGetTheShiftedUserOthersTheShiftedRoot) {
  EXPECT_EQ(MountOwner({"/home/coder", "/home/coder"}, 1000, 1001),
            (Owner{101000, 101001}));
  EXPECT_EQ(MountOwner({"/var/secrets", "/secrets", true}, 1000, 1001),
            (Owner{100000, 100000}));
}

TEST(IsPrivateMountTest, KeyedOnTheInnerTarget) {
  EXPECT_TRUE(IsPrivateMount({"/foo", "/usr/src"}));
  EXPECT_FALSE(IsPrivateMount({"/usr/src", "/a/b/c"}));
}

TEST(ParseGoTest, BoolAndIntAsGoParsesThem) {
  EXPECT_EQ(ParseGoBool("True"), true);
  EXPECT_EQ(ParseGoBool("0"), false);
  EXPECT_EQ(ParseGoBool("yes"), std::nullopt);
  EXPECT_EQ(ParseGoInt("2"), 2);
  EXPECT_EQ(ParseGoInt("+3"), 3);
  EXPECT_EQ(ParseGoInt("-1"), -1);
  EXPECT_EQ(ParseGoInt("1.5"), std::nullopt);
  EXPECT_EQ(ParseGoInt("500m"), std::nullopt);
  EXPECT_EQ(ParseGoInt(""), std::nullopt);
}

TEST(SelectInnerEnvsTest, ExactNamesAndTrailingStarPrefixes) {
  const std::vector<std::string> env = {"FOO=1", "USA=yay", "US_X=2",
                                        "KUBERNETES_PORT=3", "bar=4"};
  EXPECT_THAT(SelectInnerEnvs("FOO, bar ,KUBERNETES_*,US_*", env),
              ElementsAre("FOO=1", "bar=4", "KUBERNETES_PORT=3", "US_X=2"));
  EXPECT_THAT(SelectInnerEnvs("", env), IsEmpty());
}

TEST(FindUserTest, ReadsUidGidAndHome) {
  const char* passwd =
      "root:x:0:0:root:/root:/bin/sh\ncoder:x:1000:1001::/home/coder:/bin/sh\n";
  auto user = FindUser(passwd, "coder");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->uid, 1000u);
  EXPECT_EQ(user->gid, 1001u);
  EXPECT_EQ(user->home, "/home/coder");
  EXPECT_FALSE(FindUser(passwd, "nobody").has_value());
}

}  // namespace
}  // namespace cvm::testing::envbox
