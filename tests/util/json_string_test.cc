// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/util/json_string.h"

#include <string>

#include "gtest/gtest.h"

namespace cvm::util {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

// Byte for byte what Go's encoding/json (Terraform, hclog) writes.
TEST(AppendJsonStringTest, EscapesAsGoDoes) {
  EXPECT_EQ(Json("plain"), "\"plain\"");
  EXPECT_EQ(Json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Json(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(Json("<a&b>"), "\"\\u003ca\\u0026b\\u003e\"");
  EXPECT_EQ(Json("\xE2\x80\xA8\xE2\x80\xA9"), "\"\\u2028\\u2029\"");
  EXPECT_EQ(Json("h\xC3\xA9"), "\"h\xC3\xA9\"");  // valid UTF-8 as is
}

TEST(AppendJsonStringTest, InvalidUtf8BecomesTheReplacementCharacter) {
  EXPECT_EQ(Json("a\xFF"), "\"a\xEF\xBF\xBD\"");
  EXPECT_EQ(Json("\xC3"), "\"\xEF\xBF\xBD\"");  // cut sequence
  EXPECT_EQ(Json(std::string("\0", 1)), "\"\\u0000\"");
}

TEST(Utf8SequenceLengthTest, ValidAndInvalidSequences) {
  EXPECT_EQ(Utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9", 0), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82\xAC", 0), 3u);
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x98\x80", 0), 4u);
  EXPECT_EQ(Utf8SequenceLength("\xC0\x80", 0), 0u);      // overlong
  EXPECT_EQ(Utf8SequenceLength("\xED\xA0\x80", 0), 0u);  // surrogate
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82", 0), 0u);      // cut
}

}  // namespace
}  // namespace cvm::util
