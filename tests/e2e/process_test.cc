// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier:
// MPL-2.0
//
// The end-to-end test of the provider binary: starts build's
// terraform-provider-cvm with Terraform's environment (cookie, protocol
// versions, AutoMTLS client certificate), reads the handshake line, connects
// with TLS, calls tfplugin6 GetProviderSchema, then plugin.GRPCController
// Shutdown, and checks the process exits 0 promptly. Also the -debug
// (TF_REATTACH_PROVIDERS) mode and the missing-cookie refusal.

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/go_plugin.grpc.pb.h"
#include "proto/tfplugin6.grpc.pb.h"
#include "provider/plugin/certificate.h"
#include "provider/plugin/environment.h"
#include "tests/plugin/plugin_process.h"
#include "tests/testing/status_matchers.h"

namespace cvm::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kProviderBinary[] = CVM_PROVIDER_BINARY;
constexpr milliseconds kStartTimeout{10000};
// Terraform SIGKILLs a plugin that has not exited 2 s after Shutdown.
constexpr milliseconds kExitTimeout{1000};
constexpr milliseconds kRpcTimeout{10000};

std::string TempRoot() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Calls GetProviderSchema and checks what Terraform needs from it.
void ExpectProviderSchema(const std::shared_ptr<grpc::Channel>& channel) {
  auto provider = ::tfplugin6::Provider::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  ::tfplugin6::GetProviderSchema::Request request;
  ::tfplugin6::GetProviderSchema::Response response;
  grpc::Status status =
      provider->GetProviderSchema(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": "
                           << status.error_message();
  for (const ::tfplugin6::Diagnostic& diagnostic : response.diagnostics()) {
    EXPECT_NE(diagnostic.severity(), ::tfplugin6::Diagnostic::ERROR)
        << diagnostic.summary() << ": " << diagnostic.detail();
  }
  EXPECT_TRUE(response.has_provider());
  EXPECT_TRUE(response.provider().has_block());
  EXPECT_TRUE(response.resource_schemas().contains("cvm_workspace"))
      << response.ShortDebugString();
  EXPECT_TRUE(response.resource_schemas().contains("cvm_cluster_settings"))
      << response.ShortDebugString();
}

class ProviderProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<plugin::Certificate> client =
        plugin::GenerateCertificate(plugin::KeyType::kEcdsaP521);
    ASSERT_THAT(client, IsOk());
    client_ = *client;
  }

  // What Terraform 1.11 puts in a managed provider's environment, plus a
  // private HOME and TMPDIR so no user configuration is read.
  std::map<std::string, std::string> TerraformEnv() const {
    return {{std::string(plugin::kMagicCookieKey),
             std::string(plugin::kMagicCookieValue)},
            {"PLUGIN_PROTOCOL_VERSIONS", "5,6"},
            {"PLUGIN_MIN_PORT", "10000"},
            {"PLUGIN_MAX_PORT", "25000"},
            {"PLUGIN_CLIENT_CERT", client_.cert_pem},
            {"HOME", TempRoot()},
            {"TMPDIR", TempRoot()},
            {"TF_LOG", "trace"}};
  }

  plugin::Certificate client_;
};

TEST_F(ProviderProcessTest, HandshakeSchemaShutdown) {
  absl::StatusOr<std::unique_ptr<PluginProcess>> process =
      PluginProcess::Start(kProviderBinary, {}, TerraformEnv());
  ASSERT_THAT(process, IsOk());
  PluginProcess& p = **process;

  absl::StatusOr<std::string> line = p.ReadStdoutLine(kStartTimeout);
  ASSERT_THAT(line, IsOk()) << p.Stderr();
  absl::StatusOr<HandshakeFields> handshake = ParseHandshakeLine(*line);
  ASSERT_THAT(handshake, IsOk());
  EXPECT_THAT(handshake->core, Eq("1"));
  EXPECT_THAT(handshake->app, Eq("6"));
  EXPECT_THAT(handshake->network, Eq("unix"));
  EXPECT_THAT(handshake->protocol, Eq("grpc"));
  EXPECT_THAT(handshake->cert_base64, Not(IsEmpty()));
  EXPECT_THAT(handshake->cert_base64, Not(HasSubstr("=")));
  // Nothing but the handshake line ever reaches stdout.
  EXPECT_THAT(p.ReadStdoutToEof(kStartTimeout), IsOkAndHolds(""));

  auto channel = Connect(*handshake, &client_);
  EXPECT_THAT(HealthCheck(channel, "plugin", kRpcTimeout), IsOkAndHolds(1));

  // go-plugin's client opens the stdio stream right after connecting.
  auto stdio = ::plugin::GRPCStdio::NewStub(channel);
  grpc::ClientContext stdio_context;
  google::protobuf::Empty empty;
  auto stdio_reader = stdio->StreamStdio(&stdio_context, empty);

  ExpectProviderSchema(channel);

  EXPECT_THAT(CallShutdown(channel, kRpcTimeout), IsOk());
  EXPECT_THAT(p.WaitForExit(kExitTimeout), IsOkAndHolds(0)) << p.Stderr();
  EXPECT_FALSE(Exists(handshake->address));
  // Every stderr line is an hclog JSON object.
  const std::vector<std::string> lines =
      absl::StrSplit(p.Stderr(), '\n', absl::SkipEmpty());
  for (const std::string& l : lines) {
    EXPECT_THAT(l, StartsWith("{\"@level\":"));
  }
}

TEST_F(ProviderProcessTest, RefusesToRunWithoutCookie) {
  std::map<std::string, std::string> env = TerraformEnv();
  env.erase(std::string(plugin::kMagicCookieKey));
  absl::StatusOr<std::unique_ptr<PluginProcess>> process =
      PluginProcess::Start(kProviderBinary, {}, env);
  ASSERT_THAT(process, IsOk());
  EXPECT_THAT((*process)->WaitForExit(kStartTimeout), IsOkAndHolds(1));
  EXPECT_THAT((*process)->ReadStdoutToEof(kStartTimeout), IsOkAndHolds(""));
  EXPECT_THAT((*process)->Stderr(),
              HasSubstr("This binary is a plugin. These are not meant to be "
                        "executed directly."));
}

TEST_F(ProviderProcessTest, DebugModeServesReattachAddress) {
  absl::StatusOr<std::unique_ptr<PluginProcess>> process =
      PluginProcess::Start(kProviderBinary, {"-debug"},
                           {{"HOME", TempRoot()}, {"TMPDIR", TempRoot()}});
  ASSERT_THAT(process, IsOk());
  PluginProcess& p = **process;
  absl::StatusOr<std::string> out = p.ReadStdoutToEof(kStartTimeout);
  ASSERT_THAT(out, IsOk()) << p.Stderr();
  const std::string marker = "\"Addr\":{\"Network\":\"unix\",\"String\":\"";
  const size_t at = out->find(marker);
  ASSERT_NE(at, std::string::npos) << *out;
  EXPECT_THAT(*out, HasSubstr("TF_REATTACH_PROVIDERS='{\"registry.terraform.io/"
                              "cvm/cvm\":{\"Protocol\":\"grpc\","
                              "\"ProtocolVersion\":6,"));
  const size_t start = at + marker.size();
  HandshakeFields address;
  address.network = "unix";
  address.address = out->substr(start, out->find('"', start) - start);

  // Terraform dials plaintext in reattach mode; every command repeats this.
  auto channel = Connect(address, nullptr);
  ExpectProviderSchema(channel);
  ExpectProviderSchema(channel);

  p.Signal(SIGINT);
  EXPECT_THAT(p.WaitForExit(kExitTimeout), IsOkAndHolds(0)) << p.Stderr();
}

}  // namespace
}  // namespace cvm::testing
