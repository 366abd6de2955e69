// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/handshake.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cvm::plugin {
namespace {

using ::testing::Eq;

TEST(Base64EncodeUnpaddedTest, Rfc4648VectorsWithoutPadding) {
  struct Case {
    std::string input;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"f", "Zg"},
      {"fo", "Zm8"},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg"},
      {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_THAT(Base64EncodeUnpadded(c.input), Eq(c.want));
  }
}

TEST(Base64EncodeUnpaddedTest, StandardAlphabetNotUrlSafe) {
  // 0xfb 0xff encodes to "+/8" in the standard alphabet ("-_8" URL-safe).
  EXPECT_THAT(Base64EncodeUnpadded(std::string("\xfb\xff", 2)), Eq("+/8"));
}

TEST(Base64EncodeUnpaddedTest, MatchesAbseilWithPaddingStripped) {
  std::string bytes;
  for (int i = 0; i < 600; ++i) {
    bytes.push_back(static_cast<char>((i * 151 + 7) & 0xff));
    std::string want = absl::Base64Escape(bytes);
    while (!want.empty() && want.back() == '=') want.pop_back();
    ASSERT_THAT(Base64EncodeUnpadded(bytes), Eq(want)) << "length " << i + 1;
  }
}

TEST(FormatHandshakeLineTest, UnixWithCertificate) {
  Handshake handshake;
  handshake.network = "unix";
  handshake.address = "/tmp/plugin-abc123/plugin.sock";
  handshake.server_cert_der = "foob";
  EXPECT_THAT(FormatHandshakeLine(handshake),
              Eq("1|6|unix|/tmp/plugin-abc123/plugin.sock|grpc|Zm9vYg\n"));
}

TEST(FormatHandshakeLineTest, TcpPlaintextHasEmptySixthField) {
  Handshake handshake;
  handshake.network = "tcp";
  handshake.address = "127.0.0.1:10000";
  EXPECT_THAT(FormatHandshakeLine(handshake),
              Eq("1|6|tcp|127.0.0.1:10000|grpc|\n"));
}

TEST(FormatReattachJsonTest, MatchesTerraformShape) {
  ReattachInfo info{.provider_address = "registry.terraform.io/cvm/cvm",
                    .pid = 4242,
                    .network = "unix",
                    .address = "/tmp/plugin-x/plugin.sock"};
  EXPECT_THAT(
      FormatReattachJson(info),
      Eq(R"({"registry.terraform.io/cvm/cvm":{"Protocol":"grpc",)"
         R"("ProtocolVersion":6,"Pid":4242,"Test":true,"Addr":{)"
         R"("Network":"unix","String":"/tmp/plugin-x/plugin.sock"}}})"));
}

TEST(FormatReattachJsonTest, EscapesStrings) {
  ReattachInfo info{.provider_address = "a\"b",
                    .pid = 1,
                    .network = "unix",
                    .address = "/tmp/x\\y\n"};
  EXPECT_THAT(FormatReattachJson(info),
              Eq(R"({"a\"b":{"Protocol":"grpc","ProtocolVersion":6,"Pid":1,)"
                 R"("Test":true,"Addr":{"Network":"unix",)"
                 R"("String":"/tmp/x\\y\n"}}})"));
}

TEST(FormatDebugInstructionsTest, ShellQuotedEnvLine) {
  ReattachInfo info{.provider_address = "registry.terraform.io/cvm/cvm",
                    .pid = 7,
                    .network = "unix",
                    .address = "/tmp/it's/plugin.sock"};
  const std::string text = FormatDebugInstructions(info);
  EXPECT_THAT(text, ::testing::StartsWith("Provider started."));
  EXPECT_THAT(text,
              ::testing::HasSubstr(
                  "\nTF_REATTACH_PROVIDERS='{\"registry.terraform.io/cvm/cvm\""
                  ":{\"Protocol\":\"grpc\",\"ProtocolVersion\":6,\"Pid\":7,"
                  "\"Test\":true,\"Addr\":{\"Network\":\"unix\",\"String\":"
                  "\"/tmp/it'\\''s/plugin.sock\"}}}'\n"));
}

}  // namespace
}  // namespace cvm::plugin
