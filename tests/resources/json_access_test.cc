// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/json_access.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cvm::resources {
namespace {

using json = nlohmann::json;

TEST(StringAtTest, FollowsThePathAndIsEmptyOtherwise) {
  const json j = json::parse(R"({"metadata": {"name": "dev", "uid": 7},
                                  "list": ["a"]})");
  EXPECT_EQ(StringAt(j, {"metadata", "name"}), "dev");
  EXPECT_EQ(StringAt(j, {"metadata", "uid"}), "");      // not a string
  EXPECT_EQ(StringAt(j, {"metadata", "missing"}), "");  // no such key
  EXPECT_EQ(StringAt(j, {"list", "0"}), "");            // not an object
  EXPECT_EQ(StringAt(json(nullptr), {"a"}), "");
}

TEST(ObjectAtAndArrayAtTest, EmptyWhenMissingOrOfAnotherType) {
  const json j = json::parse(R"({"o": {"k": 1}, "a": [1, 2], "s": "x"})");
  EXPECT_EQ(ObjectAt(j, "o"), json({{"k", 1}}));
  EXPECT_EQ(ObjectAt(j, "a"), json::object());
  EXPECT_EQ(ObjectAt(json::array(), "o"), json::object());
  EXPECT_EQ(ArrayAt(j, "a"), json({1, 2}));
  EXPECT_EQ(ArrayAt(j, "s"), json::array());
  EXPECT_EQ(ArrayAt(j, "none"), json::array());
}

TEST(StringEntriesTest, KeepsStringValuesOnly) {
  const json labels = json::parse(R"({"a": "1", "b": 2, "c": "3"})");
  EXPECT_EQ(StringEntries(labels),
            (std::map<std::string, std::string>{{"a", "1"}, {"c", "3"}}));
  EXPECT_TRUE(StringEntries(json("x")).empty());
}

TEST(TerminatingTest, ByDeletionTimestamp) {
  EXPECT_TRUE(Terminating(json::parse(
      R"({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}})")));
  EXPECT_FALSE(
      Terminating(json::parse(R"({"metadata": {"deletionTimestamp": null}})")));
  EXPECT_FALSE(Terminating(json::parse(R"({"metadata": {}})")));
  EXPECT_FALSE(Terminating(json(nullptr)));
}

}  // namespace
}  // namespace cvm::resources
