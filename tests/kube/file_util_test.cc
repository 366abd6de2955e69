// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/file_util.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace cvm::kube::internal {
namespace {

using ::cvm::testing::StatusIs;
using ::cvm::testing::TempDir;
using ::testing::HasSubstr;

TEST(ReadFileTest, ReadsAndReportsErrorsByRole) {
  TempDir dir;
  std::string path = dir.Write("f", "content");
  CVM_ASSERT_OK_AND_ASSIGN(std::string data, ReadFile(path, "token file"));
  EXPECT_EQ(data, "content");
  EXPECT_THAT(ReadFile(dir.path() + "/none", "token file"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("cannot open token file \"")));
  EXPECT_THAT(ReadFile(dir.path(), "kubeconfig"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is a directory")));
}

TEST(PathTest, DirNameAndResolvePath) {
  EXPECT_EQ(DirName("/a/b/config"), "/a/b");
  EXPECT_EQ(DirName("config"), ".");
  EXPECT_EQ(DirName("/config"), "/");
  EXPECT_EQ(ResolvePath("/a", "b/c"), "/a/b/c");
  EXPECT_EQ(ResolvePath("/a", "/abs"), "/abs");
  EXPECT_EQ(ResolvePath("/a", ""), "");
  EXPECT_TRUE(LooksLikePem("x\n-----BEGIN CERTIFICATE-----\n"));
  EXPECT_FALSE(LooksLikePem("/etc/ca.pem"));
}

}  // namespace
}  // namespace cvm::kube::internal
