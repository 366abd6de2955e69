// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Process tests for plugin::Serve: starts tests/plugin/plugin_test_server the
// way Terraform starts a provider and checks the go-plugin contract from the
// outside (handshake line, AutoMTLS, health, Shutdown, signals, stdout,
// socket directory).

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/go_plugin.grpc.pb.h"
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
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

constexpr milliseconds kStartTimeout{10000};
constexpr milliseconds kExitTimeout{1000};
constexpr milliseconds kRpcTimeout{5000};
constexpr int kServing = 1;

std::string TempRoot() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

bool IsPrivateDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         (st.st_mode & 07777) == 0700;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string Dirname(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

class ServeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<plugin::Certificate> client =
        plugin::GenerateCertificate(plugin::KeyType::kEcdsaP521);
    ASSERT_THAT(client, IsOk());
    client_ = *client;
  }

  // Terraform's environment for a managed provider with AutoMTLS.
  std::map<std::string, std::string> TerraformEnv() const {
    return {{std::string(plugin::kMagicCookieKey),
             std::string(plugin::kMagicCookieValue)},
            {"PLUGIN_PROTOCOL_VERSIONS", "5,6"},
            {"PLUGIN_MIN_PORT", "10000"},
            {"PLUGIN_MAX_PORT", "25000"},
            {"PLUGIN_CLIENT_CERT", client_.cert_pem},
            {"TMPDIR", TempRoot()},
            {"TF_LOG", "trace"}};
  }

  std::unique_ptr<PluginProcess> Start(
      const std::map<std::string, std::string>& env,
      const std::vector<std::string>& args = {}) {
    absl::StatusOr<std::unique_ptr<PluginProcess>> process =
        PluginProcess::Start(CVM_PLUGIN_TEST_SERVER, args, env);
    EXPECT_THAT(process, IsOk());
    return process.ok() ? std::move(*process) : nullptr;
  }

  // Reads and parses the handshake line, and checks that stdout then closes
  // with nothing more on it.
  HandshakeFields ReadHandshake(PluginProcess& process) {
    absl::StatusOr<std::string> line = process.ReadStdoutLine(kStartTimeout);
    EXPECT_THAT(line, IsOk()) << process.Stderr();
    if (!line.ok()) return {};
    absl::StatusOr<HandshakeFields> fields = ParseHandshakeLine(*line);
    EXPECT_THAT(fields, IsOk());
    if (!fields.ok()) return {};
    absl::StatusOr<std::string> rest = process.ReadStdoutToEof(kStartTimeout);
    EXPECT_THAT(rest, IsOk());
    if (rest.ok()) {
      EXPECT_THAT(*rest, IsEmpty());
    }
    return *fields;
  }

  plugin::Certificate client_;
};

TEST_F(ServeProcessTest, HandshakeHealthShutdown) {
  std::unique_ptr<PluginProcess> process = Start(TerraformEnv());
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  EXPECT_THAT(handshake.core, Eq("1"));
  EXPECT_THAT(handshake.app, Eq("6"));
  EXPECT_THAT(handshake.network, Eq("unix"));
  EXPECT_THAT(handshake.address,
              MatchesRegex(TempRoot() + "/plugin-[A-Za-z0-9]{6}/plugin.sock"));
  EXPECT_THAT(handshake.protocol, Eq("grpc"));
  EXPECT_THAT(handshake.cert_base64, Not(IsEmpty()));
  EXPECT_THAT(handshake.cert_base64, Not(HasSubstr("=")));
  EXPECT_THAT(Base64Decode(handshake.cert_base64), IsOk());

  const std::string dir = Dirname(handshake.address);
  EXPECT_TRUE(IsPrivateDir(dir)) << dir;

  auto channel = Connect(handshake, &client_);
  EXPECT_THAT(HealthCheck(channel, "plugin", kRpcTimeout),
              IsOkAndHolds(kServing));
  EXPECT_THAT(HealthCheck(channel, "", kRpcTimeout), IsOkAndHolds(kServing));

  // The caller's own service is served too.
  {
    auto broker = ::plugin::GRPCBroker::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    auto stream = broker->StartStream(&context);
    grpc::Status status = stream->Finish();
    EXPECT_THAT(status.error_code(), Eq(grpc::StatusCode::FAILED_PRECONDITION));
    EXPECT_THAT(status.error_message(), Eq("plugin_test_server broker"));
  }

  EXPECT_THAT(CallShutdown(channel, kRpcTimeout), IsOk());
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0))
      << process->Stderr();
  EXPECT_FALSE(Exists(handshake.address));
  EXPECT_FALSE(Exists(dir));
  // on_shutdown ran exactly once.
  const std::string stderr_text = process->Stderr();
  std::vector<std::string> parts =
      absl::StrSplit(stderr_text, "plugin_test_server: on_shutdown");
  EXPECT_THAT(parts, ::testing::SizeIs(2)) << stderr_text;
}

TEST_F(ServeProcessTest, ShutdownWithOpenStdioStreamIsPrompt) {
  std::unique_ptr<PluginProcess> process = Start(TerraformEnv());
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  auto channel = Connect(handshake, &client_);

  // go-plugin's client opens StreamStdio right after connecting.
  auto stdio = ::plugin::GRPCStdio::NewStub(channel);
  grpc::ClientContext stdio_context;
  google::protobuf::Empty empty;
  auto reader = stdio->StreamStdio(&stdio_context, empty);
  ASSERT_THAT(HealthCheck(channel, "plugin", kRpcTimeout),
              IsOkAndHolds(kServing));

  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(CallShutdown(channel, kRpcTimeout), IsOk());
  ::plugin::StdioData data;
  EXPECT_FALSE(reader->Read(&data));  // No data; ends at shutdown.
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

TEST_F(ServeProcessTest, NoCookieExitsOneWithGoPluginMessage) {
  std::map<std::string, std::string> env = TerraformEnv();
  env.erase(std::string(plugin::kMagicCookieKey));
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  EXPECT_THAT(process->WaitForExit(kStartTimeout), IsOkAndHolds(1));
  EXPECT_THAT(process->ReadStdoutToEof(kStartTimeout), IsOkAndHolds(""));
  EXPECT_THAT(process->Stderr(), Eq(std::string(plugin::kNotAPluginMessage)));
}

TEST_F(ServeProcessTest, WrongCookieExitsOne) {
  std::map<std::string, std::string> env = TerraformEnv();
  env[std::string(plugin::kMagicCookieKey)] = "nope";
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  EXPECT_THAT(process->WaitForExit(kStartTimeout), IsOkAndHolds(1));
  EXPECT_THAT(process->ReadStdoutToEof(kStartTimeout), IsOkAndHolds(""));
  EXPECT_THAT(process->Stderr(), HasSubstr("This binary is a plugin."));
}

TEST_F(ServeProcessTest, ClientWithoutProtocolSixIsRefused) {
  std::map<std::string, std::string> env = TerraformEnv();
  env["PLUGIN_PROTOCOL_VERSIONS"] = "4,5";
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  EXPECT_THAT(process->WaitForExit(kStartTimeout), IsOkAndHolds(1));
  EXPECT_THAT(process->ReadStdoutToEof(kStartTimeout), IsOkAndHolds(""));
  EXPECT_THAT(process->Stderr(), HasSubstr("protocol version 6"));
  EXPECT_THAT(process->Stderr(), HasSubstr("[4, 5]"));
}

TEST_F(ServeProcessTest, VersionsAreASet) {
  std::map<std::string, std::string> env = TerraformEnv();
  env["PLUGIN_PROTOCOL_VERSIONS"] = "6,5";
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  EXPECT_THAT(handshake.app, Eq("6"));
  process->Signal(SIGTERM);
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
}

TEST_F(ServeProcessTest, BadClientCertExitsOne) {
  std::map<std::string, std::string> env = TerraformEnv();
  env["PLUGIN_CLIENT_CERT"] = "garbage";
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  EXPECT_THAT(process->WaitForExit(kStartTimeout), IsOkAndHolds(1));
  EXPECT_THAT(process->ReadStdoutToEof(kStartTimeout), IsOkAndHolds(""));
  EXPECT_THAT(process->Stderr(), HasSubstr("PLUGIN_CLIENT_CERT"));
}

TEST_F(ServeProcessTest, ClientWithoutExpectedCertificateIsRefused) {
  std::unique_ptr<PluginProcess> process = Start(TerraformEnv());
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);

  absl::StatusOr<plugin::Certificate> stranger = plugin::GenerateCertificate();
  ASSERT_THAT(stranger, IsOk());
  constexpr milliseconds kShort{2000};
  // A certificate the server was not told to trust.
  EXPECT_THAT(HealthCheck(Connect(handshake, &*stranger), "plugin", kShort),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  // No client certificate at all.
  EXPECT_THAT(HealthCheck(Connect(handshake, nullptr), "plugin", kShort),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  // Plaintext against the TLS server.
  HandshakeFields plaintext = handshake;
  plaintext.cert_base64.clear();
  EXPECT_THAT(HealthCheck(Connect(plaintext, nullptr), "plugin", kShort),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  // A stranger cannot call Shutdown either.
  EXPECT_THAT(CallShutdown(Connect(handshake, &*stranger), kShort),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_TRUE(process->Running());

  // Terraform (the holder of the expected certificate) still gets in.
  auto channel = Connect(handshake, &client_);
  EXPECT_THAT(HealthCheck(channel, "plugin", kRpcTimeout),
              IsOkAndHolds(kServing));
  EXPECT_THAT(CallShutdown(channel, kRpcTimeout), IsOk());
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
}

TEST_F(ServeProcessTest, PlaintextWithoutClientCert) {
  std::map<std::string, std::string> env = TerraformEnv();
  env.erase("PLUGIN_CLIENT_CERT");
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  EXPECT_THAT(handshake.cert_base64, IsEmpty());
  auto channel = Connect(handshake, nullptr);
  EXPECT_THAT(HealthCheck(channel, "plugin", kRpcTimeout),
              IsOkAndHolds(kServing));
  EXPECT_THAT(CallShutdown(channel, kRpcTimeout), IsOk());
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0))
      << process->Stderr();
}

TEST_F(ServeProcessTest, PlaintextWhenTlsDisabled) {
  std::map<std::string, std::string> env = TerraformEnv();
  env["TF_DISABLE_PLUGIN_TLS"] = "1";
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  EXPECT_THAT(handshake.cert_base64, IsEmpty());
  EXPECT_THAT(HealthCheck(Connect(handshake, nullptr), "plugin", kRpcTimeout),
              IsOkAndHolds(kServing));
  process->Signal(SIGTERM);
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
}

TEST_F(ServeProcessTest, SigtermStopsGracefully) {
  std::unique_ptr<PluginProcess> process = Start(TerraformEnv());
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  const std::string dir = Dirname(handshake.address);
  ASSERT_TRUE(IsPrivateDir(dir));
  process->Signal(SIGTERM);
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
  EXPECT_FALSE(Exists(dir));
  EXPECT_THAT(process->Stderr(), HasSubstr("plugin_test_server: on_shutdown"));
}

TEST_F(ServeProcessTest, SigintIsIgnored) {
  std::unique_ptr<PluginProcess> process = Start(TerraformEnv());
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  process->Signal(SIGINT);
  process->Signal(SIGINT);
  std::this_thread::sleep_for(milliseconds(200));
  ASSERT_TRUE(process->Running());
  auto channel = Connect(handshake, &client_);
  EXPECT_THAT(HealthCheck(channel, "plugin", kRpcTimeout),
              IsOkAndHolds(kServing));
  EXPECT_THAT(process->Stderr(), Not(HasSubstr("on_shutdown")));
  EXPECT_THAT(CallShutdown(channel, kRpcTimeout), IsOk());
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
}

TEST_F(ServeProcessTest, TcpTransportWithinPortRange) {
  // A port range unlikely to be in use; the server takes the first free one.
  const int base = 20000 + static_cast<int>(::getpid() % 5000);
  std::map<std::string, std::string> env = TerraformEnv();
  env["CVM_PLUGIN_TRANSPORT"] = "tcp";
  env["PLUGIN_MIN_PORT"] = std::to_string(base);
  env["PLUGIN_MAX_PORT"] = std::to_string(base + 50);
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  EXPECT_THAT(handshake.network, Eq("tcp"));
  ASSERT_THAT(handshake.address, StartsWith("127.0.0.1:"));
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(handshake.address.substr(10), &port));
  EXPECT_GE(port, base);
  EXPECT_LE(port, base + 50);
  auto channel = Connect(handshake, &client_);
  EXPECT_THAT(HealthCheck(channel, "plugin", kRpcTimeout),
              IsOkAndHolds(kServing));
  EXPECT_THAT(CallShutdown(channel, kRpcTimeout), IsOk());
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
}

TEST_F(ServeProcessTest, BadPortRangeExitsOne) {
  std::map<std::string, std::string> env = TerraformEnv();
  env["CVM_PLUGIN_TRANSPORT"] = "tcp";
  env["PLUGIN_MIN_PORT"] = "30000";
  env["PLUGIN_MAX_PORT"] = "20000";
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  EXPECT_THAT(process->WaitForExit(kStartTimeout), IsOkAndHolds(1));
  EXPECT_THAT(process->Stderr(), HasSubstr("PLUGIN_MIN_PORT"));
}

TEST_F(ServeProcessTest, UnknownTransportExitsOne) {
  std::map<std::string, std::string> env = TerraformEnv();
  env["CVM_PLUGIN_TRANSPORT"] = "udp";
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  EXPECT_THAT(process->WaitForExit(kStartTimeout), IsOkAndHolds(1));
  EXPECT_THAT(process->ReadStdoutToEof(kStartTimeout), IsOkAndHolds(""));
  EXPECT_THAT(process->Stderr(), HasSubstr("CVM_PLUGIN_TRANSPORT"));
}

TEST_F(ServeProcessTest, SocketDirHonoursPluginUnixSocketDir) {
  const std::string parent = TempRoot() + "/psd-" + std::to_string(::getpid());
  ASSERT_EQ(::mkdir(parent.c_str(), 0755), 0);
  std::map<std::string, std::string> env = TerraformEnv();
  env["PLUGIN_UNIX_SOCKET_DIR"] = parent;
  std::unique_ptr<PluginProcess> process = Start(env);
  ASSERT_NE(process, nullptr);
  HandshakeFields handshake = ReadHandshake(*process);
  EXPECT_THAT(handshake.address, StartsWith(parent + "/plugin-"));
  process->Signal(SIGTERM);
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
  EXPECT_EQ(::rmdir(parent.c_str()), 0);  // Empty again.
}

TEST_F(ServeProcessTest, DebugModePrintsReattachAndStopsOnSigint) {
  // No cookie, no client cert: -debug needs neither.
  std::unique_ptr<PluginProcess> process =
      Start({{"TMPDIR", TempRoot()}}, {"-debug"});
  ASSERT_NE(process, nullptr);
  absl::StatusOr<std::string> out = process->ReadStdoutToEof(kStartTimeout);
  ASSERT_THAT(out, IsOk()) << process->Stderr();
  const std::string prefix = absl::StrCat(
      "TF_REATTACH_PROVIDERS='{\"registry.terraform.io/cvm/cvm\":{"
      "\"Protocol\":\"grpc\",\"ProtocolVersion\":6,\"Pid\":",
      process->pid(),
      ",\"Test\":true,\"Addr\":{\"Network\":\"unix\",\"String\":\"");
  const size_t at = out->find(prefix);
  ASSERT_NE(at, std::string::npos) << *out;
  const size_t path_start = at + prefix.size();
  const size_t path_end = out->find('"', path_start);
  ASSERT_NE(path_end, std::string::npos);
  EXPECT_THAT(out->substr(path_end), Eq("\"}}}'\n"));
  HandshakeFields handshake;
  handshake.network = "unix";
  handshake.address = out->substr(path_start, path_end - path_start);
  EXPECT_THAT(HealthCheck(Connect(handshake, nullptr), "plugin", kRpcTimeout),
              IsOkAndHolds(kServing));
  process->Signal(SIGINT);
  EXPECT_THAT(process->WaitForExit(kExitTimeout), IsOkAndHolds(0));
  EXPECT_FALSE(Exists(Dirname(handshake.address)));
}

}  // namespace
}  // namespace cvm::testing
