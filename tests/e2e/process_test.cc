// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The end-to-end test of the provider binary: starts build's
// terraform-provider-cvm with Terraform's environment (cookie, protocol
// versions, AutoMTLS client certificate), reads the handshake line, connects
// with TLS, calls tfplugin6 GetProviderSchema, then plugin.GRPCController
// Shutdown, and checks the process exits 0 promptly. Also the -debug
// (TF_REATTACH_PROVIDERS) mode and the missing-cookie refusal.
//
// Bad input and security, against the real binary so that the
// sanitizer build (tests/run-sanitized-tests.sh) checks it too:
//   * malformed tfplugin6 requests for every RPC (bad msgpack and JSON,
//     wrong types, unknown types, missing and huge values) get diagnostics,
//     never a crash, and the process stays up and exits 0 on Shutdown;
//   * the unix socket lives in a 0700 directory, a client without the
//     expected certificate (or with another one) is refused, nothing
//     listens beyond loopback (TCP mode binds 127.0.0.1 only);
//   * secrets (bearer token, client key, agent token) never appear in the
//     provider's stderr at any TF_LOG level, in diagnostics, or after a crash;
//   * `insecure = true` warns at validation (and so in every plan).

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
using ::testing::Contains;
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
// For the exit after Shutdown: Terraform's 2 s, with room for LeakSanitizer's
// check at exit under ASan on a busy machine.
constexpr milliseconds kShutdownExitTimeout{5000};

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
    std::map<std::string, std::string> env = {
            {std::string(plugin::kMagicCookieKey),
             std::string(plugin::kMagicCookieValue)},
            {"PLUGIN_PROTOCOL_VERSIONS", "5,6"},
            {"PLUGIN_MIN_PORT", "10000"},
            {"PLUGIN_MAX_PORT", "25000"},
            {"PLUGIN_CLIENT_CERT", client_.cert_pem},
            {"HOME", TempRoot()},
            {"TMPDIR", TempRoot()},
            {"TF_LOG", "trace"}};
    // Under tests/run-sanitized-tests.sh the provider's own sanitizer
    // reports go where the test binary's go.
    for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) env[name] = value;
    }
    return env;
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

// ---------------------------------------------------------------------------
// Malformed protocol input and security checks.

using ::tfplugin6::Diagnostic;
using Diagnostics = std::vector<Diagnostic>;
using Stub = ::tfplugin6::Provider::Stub;

// A started provider with a TLS channel to it.
class RunningProviderTest : public ProviderProcessTest {
 protected:
  // Starts the binary with TerraformEnv() plus `extra` and connects.
  void Start(const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> env = TerraformEnv();
    for (const auto& [k, v] : extra) env[k] = v;
    absl::StatusOr<std::unique_ptr<PluginProcess>> process =
        PluginProcess::Start(kProviderBinary, {}, env);
    ASSERT_THAT(process, IsOk());
    process_ = *std::move(process);
    absl::StatusOr<std::string> line = process_->ReadStdoutLine(kStartTimeout);
    ASSERT_THAT(line, IsOk()) << process_->Stderr();
    absl::StatusOr<HandshakeFields> handshake = ParseHandshakeLine(*line);
    ASSERT_THAT(handshake, IsOk());
    handshake_ = *handshake;
    channel_ = Connect(handshake_, &client_);
    stub_ = ::tfplugin6::Provider::NewStub(channel_);
  }

  // Shuts the provider down and expects a clean exit (under ASan this is
  // where LeakSanitizer runs); returns everything it wrote to stderr.
  std::string ShutdownAndWait() {
    EXPECT_THAT(CallShutdown(channel_, kRpcTimeout), IsOk());
    // An exit ~10 s late (gRPC's final shutdown joining tcp_posix's backup
    // poller, seen under ASan after the malformed-request table) fails here;
    // plugin::Serve keeps gRPC initialized to avoid it (serve.cc).
    EXPECT_THAT(process_->WaitForExit(kShutdownExitTimeout), IsOkAndHolds(0))
        << process_->Stderr();
    return process_->Stderr();
  }

  std::unique_ptr<PluginProcess> process_;
  HandshakeFields handshake_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

// What one call returned.
struct RpcResult {
  grpc::Status status;
  Diagnostics diagnostics;
};

// Calls `method` on `stub` with `request` and collects the diagnostics.
template <typename Request, typename Response>
RpcResult Invoke(Stub* stub,
                 grpc::Status (Stub::*method)(grpc::ClientContext*,
                                              const Request&, Response*),
                 const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  Response response;
  RpcResult result;
  result.status = (stub->*method)(&context, request, &response);
  if constexpr (requires { response.diagnostics(); }) {
    result.diagnostics.assign(response.diagnostics().begin(),
                              response.diagnostics().end());
  }
  return result;
}

std::string Describe(const Diagnostics& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    absl::StrAppend(&out, "[", d.severity(), "] ", d.summary(), ": ",
                    d.detail(), "\n");
  }
  return out;
}

bool HasError(const Diagnostics& diagnostics, const std::string& summary) {
  for (const Diagnostic& d : diagnostics) {
    if (d.severity() == Diagnostic::ERROR && d.summary() == summary) {
      return true;
    }
  }
  return false;
}

::tfplugin6::DynamicValue Msgpack(const std::string& bytes) {
  ::tfplugin6::DynamicValue v;
  v.set_msgpack(bytes);
  return v;
}

::tfplugin6::DynamicValue Json(const std::string& text) {
  ::tfplugin6::DynamicValue v;
  v.set_json(text);
  return v;
}

// Malformed DynamicValue payloads, each decoded against an object type.
// `decodes`: not malformed after all, as in cty (a wholly unknown value,
// strings from JSON numbers, lone surrogates read as U+FFFD); the request
// must still get an answer and no crash.
struct BadValue {
  std::string name;
  ::tfplugin6::DynamicValue value;
  bool decodes = false;
};

std::string BigEndian32(uint32_t n) {
  return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
}

std::vector<BadValue> BadValues() {
  using std::string_literals::operator""s;
  const std::string huge(8 << 20, 'x');
  return {
      {"truncated map", Msgpack("\x81"s)},
      {"reserved byte 0xc1", Msgpack("\xc1"s)},
      {"string instead of object", Msgpack("\xa3" "abc"s)},
      {"array instead of object", Msgpack("\x92\x01\x02"s)},
      {"unknown attribute", Msgpack("\x81\xa5" "bogus\x01"s)},
      {"attribute of the wrong type", Msgpack("\x81\xa4name\x91\x01"s)},
      {"non-UTF-8 string", Msgpack("\x81\xa4name\xa2\xff\xfe"s)},
      {"trailing bytes", Msgpack("\xc0\xc0"s)},
      {"map32 claiming 2^32-1 entries", Msgpack("\xdf\xff\xff\xff\xff"s)},
      {"array32 claiming 2^32-1 items",
       Msgpack("\x81\xa4name\xdd\xff\xff\xff\xff"s)},
      {"str32 claiming 4 GiB", Msgpack("\x81\xa4name\xdb\xff\xff\xff\xff"s)},
      {"8 MiB string value",
       Msgpack("\x81\xa4name\xdb"s + BigEndian32(huge.size()) + huge)},
      {"unknown-value extension of another size", Msgpack("\xd5\x00\x00\x00"s),
       true},
      {"bad JSON", Json("{\"name\":")},
      {"JSON array instead of object", Json("[1,2,3]")},
      {"JSON number for a string", Json("{\"name\":5}"), true},
      {"JSON list for a string", Json("{\"name\":[5]}")},
      {"JSON unknown attribute", Json("{\"bogus\":true}")},
      {"JSON nested 100000 deep",
       Json(std::string(100000, '[') + std::string(100000, ']'))},
      {"JSON lone surrogate", Json("{\"name\":\"\\ud800\"}"), true},
  };
}

// One malformed request: `call` makes it; the response must carry an error
// diagnostic with summary `want` (empty: any response without a crash).
// `code` is the gRPC status: OK, or INTERNAL where grpc++ itself refuses a
// request it cannot parse (invalid UTF-8 in a proto3 string).
struct MalformedCase {
  std::string name;
  std::function<RpcResult(Stub*)> call;
  std::string want;
  grpc::StatusCode code = grpc::StatusCode::OK;
};

std::vector<MalformedCase> MalformedCases() {
  namespace tf = ::tfplugin6;
  std::vector<MalformedCase> cases;
  const std::string kInvalid = "Invalid Request Value";
  const std::string kUnknownType = "Unknown Resource Type";
  for (const BadValue& bad : BadValues()) {
    const std::string want = bad.decodes ? "" : kInvalid;
    // Shared: the lambdas below would otherwise copy the 8 MiB value.
    const auto v =
        std::make_shared<const ::tfplugin6::DynamicValue>(bad.value);
    cases.push_back({"ValidateProviderConfig: " + bad.name, [v](Stub* s) {
      tf::ValidateProviderConfig::Request r;
      *r.mutable_config() = *v;
      return Invoke(s, &Stub::ValidateProviderConfig, r);
    }, want});
    for (const char* type : {"cvm_workspace", "cvm_cluster_settings"}) {
      cases.push_back({absl::StrCat("ValidateResourceConfig ", type, ": ",
                                    bad.name),
                       [v, type](Stub* s) {
        tf::ValidateResourceConfig::Request r;
        r.set_type_name(type);
        *r.mutable_config() = *v;
        return Invoke(s, &Stub::ValidateResourceConfig, r);
      }, want});
      cases.push_back({absl::StrCat("ReadResource ", type, ": ", bad.name),
                       [v, type](Stub* s) {
        tf::ReadResource::Request r;
        r.set_type_name(type);
        *r.mutable_current_state() = *v;
        r.set_private_("\xff\x00garbage");
        return Invoke(s, &Stub::ReadResource, r);
      }, want});
      for (int field = 0; field < 3; ++field) {
        cases.push_back({absl::StrCat("PlanResourceChange ", type, " field ",
                                      field, ": ", bad.name),
                         [v, type, field](Stub* s) {
          tf::PlanResourceChange::Request r;
          r.set_type_name(type);
          *(field == 0   ? r.mutable_prior_state()
            : field == 1 ? r.mutable_proposed_new_state()
                         : r.mutable_config()) = *v;
          return Invoke(s, &Stub::PlanResourceChange, r);
        }, want});
        cases.push_back({absl::StrCat("ApplyResourceChange ", type, " field ",
                                      field, ": ", bad.name),
                         [v, type, field](Stub* s) {
          tf::ApplyResourceChange::Request r;
          r.set_type_name(type);
          *(field == 0   ? r.mutable_prior_state()
            : field == 1 ? r.mutable_planned_state()
                         : r.mutable_config()) = *v;
          return Invoke(s, &Stub::ApplyResourceChange, r);
        }, want});
      }
    }
    for (const char* type : {"cvm_cluster_settings", "cvm_workspace_manifest"}) {
      cases.push_back({absl::StrCat("ValidateDataResourceConfig ", type, ": ",
                                    bad.name),
                       [v, type](Stub* s) {
        tf::ValidateDataResourceConfig::Request r;
        r.set_type_name(type);
        *r.mutable_config() = *v;
        return Invoke(s, &Stub::ValidateDataResourceConfig, r);
      }, want});
      cases.push_back({absl::StrCat("ReadDataSource ", type, ": ", bad.name),
                       [v, type](Stub* s) {
        tf::ReadDataSource::Request r;
        r.set_type_name(type);
        *r.mutable_config() = *v;
        return Invoke(s, &Stub::ReadDataSource, r);
      }, want});
    }
    // Last: a provider configured from garbage must still answer.
    cases.push_back({"ConfigureProvider: " + bad.name, [v](Stub* s) {
      tf::ConfigureProvider::Request r;
      r.set_terraform_version("1.11.0");
      *r.mutable_config() = *v;
      return Invoke(s, &Stub::ConfigureProvider, r);
    }, want});
  }

  // Unknown and empty type names, for every RPC that takes one.
  for (const std::string& type : std::vector<std::string>{
           "cvm_nope", "", "aws_instance", std::string(1 << 16, 'a'),
           "cvm_\xff\xfe"}) {
    // Not UTF-8: grpc++ refuses to parse the request (a proto3 string).
    const bool utf8 = type.find('\xff') == std::string::npos;
    const std::string n = !utf8              ? "not UTF-8"
                          : type.size() > 20 ? "a x 65536"
                                             : "\"" + type + "\"";
    const grpc::StatusCode code =
        utf8 ? grpc::StatusCode::OK : grpc::StatusCode::INTERNAL;
    cases.push_back({"ValidateResourceConfig unknown type " + n, [type](Stub* s) {
      tf::ValidateResourceConfig::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::ValidateResourceConfig, r);
    }, utf8 ? kUnknownType : "", code});
    cases.push_back({"UpgradeResourceState unknown type " + n, [type](Stub* s) {
      tf::UpgradeResourceState::Request r;
      r.set_type_name(type);
      r.mutable_raw_state()->set_json("{}");
      return Invoke(s, &Stub::UpgradeResourceState, r);
    }, utf8 ? kUnknownType : "", code});
    cases.push_back({"ReadResource unknown type " + n, [type](Stub* s) {
      tf::ReadResource::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::ReadResource, r);
    }, utf8 ? kUnknownType : "", code});
    cases.push_back({"PlanResourceChange unknown type " + n, [type](Stub* s) {
      tf::PlanResourceChange::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::PlanResourceChange, r);
    }, utf8 ? kUnknownType : "", code});
    cases.push_back({"ApplyResourceChange unknown type " + n, [type](Stub* s) {
      tf::ApplyResourceChange::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::ApplyResourceChange, r);
    }, utf8 ? kUnknownType : "", code});
    cases.push_back({"ImportResourceState unknown type " + n, [type](Stub* s) {
      tf::ImportResourceState::Request r;
      r.set_type_name(type);
      r.set_id("ns/name");
      return Invoke(s, &Stub::ImportResourceState, r);
    }, utf8 ? kUnknownType : "", code});
    cases.push_back({"ValidateDataResourceConfig unknown type " + n,
                     [type](Stub* s) {
      tf::ValidateDataResourceConfig::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::ValidateDataResourceConfig, r);
    }, utf8 ? "Unknown Data Source Type" : "", code});
    cases.push_back({"ReadDataSource unknown type " + n, [type](Stub* s) {
      tf::ReadDataSource::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::ReadDataSource, r);
    }, utf8 ? "Unknown Data Source Type" : "", code});
    cases.push_back({"ValidateEphemeralResourceConfig " + n, [type](Stub* s) {
      tf::ValidateEphemeralResourceConfig::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::ValidateEphemeralResourceConfig, r);
    }, utf8 ? "Unknown Ephemeral Resource Type" : "", code});
    cases.push_back({"MoveResourceState " + n, [type](Stub* s) {
      tf::MoveResourceState::Request r;
      r.set_source_type_name(type);
      r.set_target_type_name("cvm_workspace");
      r.mutable_source_state()->set_json("{\"name\":");
      return Invoke(s, &Stub::MoveResourceState, r);
    }, utf8 ? "Move Resource State Not Supported" : "", code});
    cases.push_back({"CallFunction " + n, [type](Stub* s) {
      tf::CallFunction::Request r;
      r.set_name(type);
      *r.add_arguments() = Msgpack("\xc1");
      return Invoke(s, &Stub::CallFunction, r);
    }, "", code});
  }

  // UpgradeResourceState: bad raw state JSON for each resource type.
  for (const char* type : {"cvm_workspace", "cvm_cluster_settings"}) {
    struct Raw {
      std::string name;
      std::string json;
      int64_t version;
      bool flatmap;
      std::string want;
    };
    const std::string deep =
        std::string(100000, '[') + std::string(100000, ']');
    const std::string deep_object =
        "{\"name\":" + std::string(50000, '{') + std::string(50000, '}') + "}";
    for (const Raw& raw : std::vector<Raw>{
             {"truncated JSON", "{\"name\":", 0, false,
              "Unable to Upgrade Resource State"},
             {"not JSON", "\xff\xfe\x00garbage", 0, false,
              "Unable to Upgrade Resource State"},
             {"JSON array", "[1,2]", 0, false,
              "Unable to Upgrade Resource State"},
             {"wrong attribute type", "{\"name\":{\"a\":1},\"namespace\":[]}",
              0, false, "Unable to Upgrade Resource State"},
             {"nested 100000 deep", deep, 0, false,
              "Unable to Upgrade Resource State"},
             {"object nested 50000 deep", deep_object, 0, false,
              "Unable to Upgrade Resource State"},
             {"empty state", "", 0, false, "Unsupported State Format"},
             {"flatmap state", "", 0, true, "Unsupported State Format"},
             {"version from the future", "{}", 1 << 30, false,
              "Resource Instance Managed by Newer Provider Version"},
             {"negative version", "{}", -5, false, ""},
             // A valid number (cty keeps it exactly) or an unknown
             // attribute, depending on the type: an answer either way.
             {"huge number",
              "{\"sysbox_ready_nodes\":1e999999999,\"name\":-1e-999999999}",
              0, false, ""},
         }) {
      cases.push_back({absl::StrCat("UpgradeResourceState ", type, ": ",
                                    raw.name),
                       [raw, type](Stub* s) {
        tf::UpgradeResourceState::Request r;
        r.set_type_name(type);
        r.set_version(raw.version);
        r.mutable_raw_state()->set_json(raw.json);
        if (raw.flatmap) (*r.mutable_raw_state()->mutable_flatmap())["id"] = "x";
        return Invoke(s, &Stub::UpgradeResourceState, r);
      }, raw.want});
    }
    // Import ids that name nothing sensible. The provider is not configured
    // here, so these must fail before or at the connection.
    for (const std::string& id : std::vector<std::string>{
             "", "/", "a/b/c/d", "..", std::string(1 << 20, 'n'),
             std::string("ns/\0name", 7), "ns/\u00e9\U0001F600"}) {
      cases.push_back({absl::StrCat("ImportResourceState ", type, " id of ",
                                    id.size(), " bytes"),
                       [id, type](Stub* s) {
        tf::ImportResourceState::Request r;
        r.set_type_name(type);
        r.set_id(id);
        return Invoke(s, &Stub::ImportResourceState, r);
      }, ""});
    }
    // Missing fields: every DynamicValue left out (null to the decoder).
    cases.push_back({absl::StrCat("PlanResourceChange ", type,
                                  " with no values"),
                     [type](Stub* s) {
      tf::PlanResourceChange::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::PlanResourceChange, r);
    }, ""});
    cases.push_back({absl::StrCat("ApplyResourceChange ", type,
                                  " with no values"),
                     [type](Stub* s) {
      tf::ApplyResourceChange::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::ApplyResourceChange, r);
    }, ""});
    cases.push_back({absl::StrCat("ApplyResourceChange ", type,
                                  " create with an unknown-value config"),
                     [type](Stub* s) {
      tf::ApplyResourceChange::Request r;
      r.set_type_name(type);
      *r.mutable_planned_state() = Msgpack("\xd4\x00\x00");
      *r.mutable_config() = Msgpack("\xd4\x00\x00");
      return Invoke(s, &Stub::ApplyResourceChange, r);
    }, ""});
    cases.push_back({absl::StrCat("ReadResource ", type, " with no state"),
                     [type](Stub* s) {
      tf::ReadResource::Request r;
      r.set_type_name(type);
      return Invoke(s, &Stub::ReadResource, r);
    }, ""});
  }
  return cases;
}

TEST_F(RunningProviderTest, MalformedRequestsGetDiagnosticsNeverACrash) {
  ASSERT_NO_FATAL_FAILURE(Start({{"TF_LOG", "error"}}));
  for (const MalformedCase& c : MalformedCases()) {
    SCOPED_TRACE(c.name);
    RpcResult result = c.call(stub_.get());
    ASSERT_EQ(result.status.error_code(), c.code)
        << result.status.error_message() << "\n" << process_->Stderr();
    if (!c.want.empty()) {
      EXPECT_TRUE(HasError(result.diagnostics, c.want))
          << Describe(result.diagnostics);
    }
    // The catch-all diagnostic means an exception escaped: a bug.
    EXPECT_FALSE(HasError(result.diagnostics, "Internal Provider Error"))
        << Describe(result.diagnostics);
  }
  EXPECT_TRUE(process_->Running());
  EXPECT_THAT(HealthCheck(channel_, "plugin", kRpcTimeout), IsOkAndHolds(1));
  ExpectProviderSchema(channel_);
  ShutdownAndWait();
}

TEST_F(RunningProviderTest, SocketIsInAPrivateDirectory) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_EQ(handshake_.network, "unix");
  const std::string dir =
      handshake_.address.substr(0, handshake_.address.rfind('/'));
  struct stat st;
  ASSERT_EQ(::stat(dir.c_str(), &st), 0) << dir;
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700) << dir;
  EXPECT_EQ(st.st_uid, ::getuid());
  ASSERT_EQ(::stat(handshake_.address.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  ShutdownAndWait();
  EXPECT_FALSE(Exists(dir)) << "socket directory left behind";
}

TEST_F(RunningProviderTest, RefusesClientsWithoutTheExpectedCertificate) {
  ASSERT_NO_FATAL_FAILURE(Start());
  absl::StatusOr<plugin::Certificate> other =
      plugin::GenerateCertificate(plugin::KeyType::kEcdsaP521);
  ASSERT_THAT(other, IsOk());
  struct Client {
    std::string name;
    const plugin::Certificate* cert;
  };
  for (const Client& c : std::vector<Client>{{"no certificate", nullptr},
                                             {"another certificate", &*other}}) {
    SCOPED_TRACE(c.name);
    auto channel = Connect(handshake_, c.cert);
    absl::StatusOr<int> health = HealthCheck(channel, "plugin",
                                             std::chrono::milliseconds(3000));
    EXPECT_THAT(health.status(), StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
    auto stub = ::tfplugin6::Provider::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(3000));
    ::tfplugin6::GetProviderSchema::Response response;
    grpc::Status status = stub->GetProviderSchema(
        &context, ::tfplugin6::GetProviderSchema::Request(), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(response.resource_schemas_size(), 0);
  }
  // A plaintext client on the TLS socket gets nothing either.
  HandshakeFields plain = handshake_;
  plain.cert_base64.clear();
  EXPECT_THAT(HealthCheck(Connect(plain, nullptr), "plugin",
                          std::chrono::milliseconds(3000))
                  .status(),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  // The expected client still works.
  EXPECT_THAT(HealthCheck(channel_, "plugin", kRpcTimeout), IsOkAndHolds(1));
  ShutdownAndWait();
}

// The TCP sockets process `pid` listens on, as "address:port" in the kernel's
// hex notation of /proc/net/tcp{,6} (e.g. "0100007F:2710" for 127.0.0.1).
std::vector<std::string> ListeningSockets(pid_t pid) {
  std::set<std::string> inodes;
  const std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
  if (DIR* d = ::opendir(fd_dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      char target[256];
      const std::string link = fd_dir + "/" + e->d_name;
      ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
      if (n <= 0) continue;
      target[n] = '\0';
      absl::string_view t(target);
      if (absl::ConsumePrefix(&t, "socket:[") && absl::ConsumeSuffix(&t, "]")) {
        inodes.insert(std::string(t));
      }
    }
    ::closedir(d);
  }
  std::vector<std::string> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::vector<std::string> f =
          absl::StrSplit(line, ' ', absl::SkipWhitespace());
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      if (f.size() < 10 || f[3] != "0A") continue;  // 0A: LISTEN
      if (inodes.count(f[9])) out.push_back(f[1]);
    }
  }
  return out;
}

TEST_F(RunningProviderTest, ListensOnNothingButItsUnixSocket) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // grpc++ may add listeners as it starts serving: look after an RPC.
  ExpectProviderSchema(channel_);
  EXPECT_THAT(ListeningSockets(process_->pid()), IsEmpty());
  ShutdownAndWait();
}

// The shared objects mapped into process `pid` (paths from /proc/pid/maps).
std::set<std::string> MappedLibraries(pid_t pid) {
  std::set<std::string> out;
  std::ifstream maps(absl::StrCat("/proc/", pid, "/maps"));
  std::string line;
  while (std::getline(maps, line)) {
    const size_t slash = line.find('/');
    if (slash != std::string::npos && absl::StrContains(line, ".so")) {
      out.insert(line.substr(slash));
    }
  }
  return out;
}

// Start-up and memory: libcurl and the ~30 shared objects it needs are
// loaded by the first Kubernetes call (kube/internal/curl_api.cc), so a
// provider that only serves its schema (terraform validate) never maps them.
TEST_F(RunningProviderTest, ServingTheSchemaDoesNotLoadLibcurl) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ExpectProviderSchema(channel_);
  std::set<std::string> mapped = MappedLibraries(process_->pid());
  ASSERT_THAT(mapped, Contains(HasSubstr("/libc.so.6")));
  EXPECT_THAT(mapped, Not(Contains(HasSubstr("/libcurl"))));
  ShutdownAndWait();
}

TEST_F(RunningProviderTest, TcpModeBindsLoopbackOnly) {
  ASSERT_NO_FATAL_FAILURE(Start({{"CVM_PLUGIN_TRANSPORT", "tcp"}}));
  EXPECT_EQ(handshake_.network, "tcp");
  EXPECT_THAT(handshake_.address, StartsWith("127.0.0.1:"));
  ExpectProviderSchema(channel_);
  std::vector<std::string> listening = ListeningSockets(process_->pid());
  EXPECT_THAT(listening, ::testing::SizeIs(1));
  for (const std::string& address : listening) {
    // 127.0.0.1 in /proc/net/tcp, or IPv4-mapped ::ffff:127.0.0.1 in tcp6.
    EXPECT_THAT(address,
                ::testing::AnyOf(StartsWith("0100007F:"),
                                 StartsWith("0000000000000000FFFF00000100007F:")))
        << "not 127.0.0.1";
  }
  ShutdownAndWait();
}

TEST_F(RunningProviderTest, InsecureWarnsAtValidation) {
  ASSERT_NO_FATAL_FAILURE(Start());
  struct Case {
    std::string name;
    std::string config;
    bool want_warning;
  };
  for (const Case& c : std::vector<Case>{
           {"insecure", R"({"host":"https://10.0.0.1","insecure":true})", true},
           {"insecure false", R"({"host":"https://10.0.0.1","insecure":false})",
            false},
           {"default", R"({"host":"https://10.0.0.1"})", false}}) {
    SCOPED_TRACE(c.name);
    ::tfplugin6::ValidateProviderConfig::Request r;
    *r.mutable_config() = Json(c.config);
    RpcResult result =
        Invoke(stub_.get(), &Stub::ValidateProviderConfig, r);
    ASSERT_TRUE(result.status.ok());
    bool warned = false;
    for (const Diagnostic& d : result.diagnostics) {
      EXPECT_NE(d.severity(), Diagnostic::ERROR) << Describe(result.diagnostics);
      if (d.severity() == Diagnostic::WARNING &&
          d.summary() == "TLS Verification Disabled") {
        warned = true;
        ASSERT_EQ(d.attribute().steps_size(), 1);
        EXPECT_EQ(d.attribute().steps(0).attribute_name(), "insecure");
      }
    }
    EXPECT_EQ(warned, c.want_warning) << Describe(result.diagnostics);
  }
  ShutdownAndWait();
}

// Secrets, each distinctive enough that any occurrence is a leak.
constexpr char kBearerToken[] = "bearer-SECRET-7f3c9a1e5d2b4c6e8a0f";
constexpr char kAgentToken[] = "agent-SECRET-1b2c3d4e5f60718293a4";

// Drives the provider through configure, validate, plan, apply, read,
// import and a data source with secrets in every place Terraform would put
// them, against an API server address where nothing listens (so every call
// that needs the cluster fails and reports an error), and appends the diagnostics to *diagnostics.
void ExerciseWithSecrets(Stub* stub, const plugin::Certificate& client_key,
                         Diagnostics* diagnostics) {
  namespace tf = ::tfplugin6;
  auto keep = [&](const RpcResult& r) {
    EXPECT_TRUE(r.status.ok()) << r.status.error_message();
    diagnostics->insert(diagnostics->end(), r.diagnostics.begin(),
                        r.diagnostics.end());
  };
  auto escape = [](const std::string& pem) {
    std::string out;
    for (char ch : pem) {
      if (ch == '\n') {
        out += "\\n";
      } else {
        out += ch;
      }
    }
    return out;
  };
  const std::string provider_config = absl::StrCat(
      R"({"host":"https://127.0.0.1:9","token":")", kBearerToken,
      R"(","client_certificate":")", escape(client_key.cert_pem),
      R"(","client_key":")", escape(client_key.key_pem),
      R"(","request_timeout":"2s"})");
  {
    tf::ValidateProviderConfig::Request r;
    *r.mutable_config() = Json(provider_config);
    keep(Invoke(stub, &Stub::ValidateProviderConfig, r));
  }
  {
    tf::ConfigureProvider::Request r;
    r.set_terraform_version("1.11.0");
    *r.mutable_config() = Json(provider_config);
    keep(Invoke(stub, &Stub::ConfigureProvider, r));
  }
  const std::string workspace = absl::StrCat(
      R"({"name":"dev-1","namespace":"coder","cluster_settings_id":"coder",)",
      R"("inner_image":"docker.io/codercom/enterprise-base:ubuntu",)",
      R"("agent_token":")", kAgentToken, R"(",)",
      R"("env":{"LEAK_CHECK":")", kAgentToken, R"("}})");
  {
    tf::ValidateResourceConfig::Request r;
    r.set_type_name("cvm_workspace");
    *r.mutable_config() = Json(workspace);
    keep(Invoke(stub, &Stub::ValidateResourceConfig, r));
  }
  {
    tf::PlanResourceChange::Request r;
    r.set_type_name("cvm_workspace");
    *r.mutable_proposed_new_state() = Json(workspace);
    *r.mutable_config() = Json(workspace);
    keep(Invoke(stub, &Stub::PlanResourceChange, r));
  }
  {
    tf::ApplyResourceChange::Request r;
    r.set_type_name("cvm_workspace");
    *r.mutable_planned_state() = Json(workspace);
    *r.mutable_config() = Json(workspace);
    keep(Invoke(stub, &Stub::ApplyResourceChange, r));
  }
  {
    tf::ReadResource::Request r;
    r.set_type_name("cvm_workspace");
    *r.mutable_current_state() = Json(workspace);
    keep(Invoke(stub, &Stub::ReadResource, r));
  }
  {
    tf::ApplyResourceChange::Request r;  // destroy
    r.set_type_name("cvm_workspace");
    *r.mutable_prior_state() = Json(workspace);
    keep(Invoke(stub, &Stub::ApplyResourceChange, r));
  }
  {
    tf::ImportResourceState::Request r;
    r.set_type_name("cvm_workspace");
    r.set_id("coder/dev-1");
    keep(Invoke(stub, &Stub::ImportResourceState, r));
  }
  {
    tf::ReadDataSource::Request r;
    r.set_type_name("cvm_workspace_manifest");
    *r.mutable_config() = Json(workspace);
    keep(Invoke(stub, &Stub::ReadDataSource, r));
  }
}

// The distinctive parts of the secrets: the tokens and the base64 body of
// the client key (without the PEM armour, which is public).
std::vector<std::string> SecretNeedles(const plugin::Certificate& key) {
  std::vector<std::string> needles = {kBearerToken, kAgentToken};
  for (absl::string_view line : absl::StrSplit(key.key_pem, '\n')) {
    if (line.size() >= 32 && !absl::StartsWith(line, "-----")) {
      needles.emplace_back(line);
    }
  }
  return needles;
}

TEST_F(RunningProviderTest, SecretsNeverReachLogsOrDiagnostics) {
  absl::StatusOr<plugin::Certificate> api_client =
      plugin::GenerateCertificate(plugin::KeyType::kEcdsaP521);
  ASSERT_THAT(api_client, IsOk());
  const std::vector<std::string> needles = SecretNeedles(*api_client);
  ASSERT_GE(needles.size(), 3u);
  for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
    SCOPED_TRACE(absl::StrCat("TF_LOG=", level));
    ASSERT_NO_FATAL_FAILURE(Start({{"TF_LOG", level}}));
    Diagnostics diagnostics;
    ExerciseWithSecrets(stub_.get(), *api_client, &diagnostics);
    // Something failed on the way (nothing listens on port 9), so the
    // error paths ran.
    bool any_error = false;
    for (const Diagnostic& d : diagnostics) {
      any_error = any_error || d.severity() == Diagnostic::ERROR;
    }
    EXPECT_TRUE(any_error) << Describe(diagnostics);
    const std::string diag_text = Describe(diagnostics);
    const std::string log = ShutdownAndWait();
    if (std::string(level) == "trace") {
      EXPECT_THAT(log, HasSubstr("ConfigureProvider")) << "trace log is empty";
    }
    for (const std::string& needle : needles) {
      EXPECT_THAT(log, Not(HasSubstr(needle))) << "secret in the log";
      EXPECT_THAT(diag_text, Not(HasSubstr(needle)))
          << "secret in a diagnostic";
    }
  }
}

TEST_F(RunningProviderTest, SecretsNeverReachCrashOutput) {
  absl::StatusOr<plugin::Certificate> api_client =
      plugin::GenerateCertificate(plugin::KeyType::kEcdsaP521);
  ASSERT_THAT(api_client, IsOk());
  ASSERT_NO_FATAL_FAILURE(Start({{"TF_LOG", "trace"}}));
  Diagnostics diagnostics;
  ExerciseWithSecrets(stub_.get(), *api_client, &diagnostics);
  // What Terraform sees when a plugin dies: whatever reached stderr.
  process_->Signal(SIGABRT);
  EXPECT_THAT(process_->WaitForExit(kStartTimeout),
              IsOkAndHolds(128 + SIGABRT));
  const std::string output = process_->Stderr();
  for (const std::string& needle : SecretNeedles(*api_client)) {
    EXPECT_THAT(output, Not(HasSubstr(needle)));
  }
}

}  // namespace
}  // namespace cvm::testing
