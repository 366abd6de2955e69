// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// schema_bench: the start-up figures of issue 8 that need a gRPC client.
// Starts the provider RUNS times the way Terraform does (cookie, protocol
// versions, AutoMTLS client certificate in PLUGIN_CLIENT_CERT), and in each
// run measures
//   * exec to handshake line (as bench/startup.sh, from the C++ side);
//   * idle memory: VmHWM and VmRSS of the provider 200 ms after its
//     handshake line, before any call (Terraform's first call comes later
//     than that only when it is busy elsewhere);
//   * which shared objects it has mapped then (libcurl must not be among
//     them: it is loaded on the first Kubernetes call);
//   * GetProviderSchema: the first call on a new channel (connect, TLS
//     handshake, the call), a second call on the same channel (warm), and
//     the size in bytes of the serialized response;
//   * VmHWM after the calls;
// then calls plugin.GRPCController/Shutdown and waits for a clean exit.
//
// Usage: schema_bench PROVIDER [RUNS]      (RUNS defaults to 20)
// Built with -DCVM_BUILD_BENCHMARKS=ON (and the tests, whose process helpers
// it uses): build-dir/bench/schema_bench.
//
// Output (stdout): exactly one line, a JSON object, for bench/run.sh:
//   {"bench":"schema","exe":PATH,"runs":N,
//    "handshake_ms":STATS, "schema_first_ms":STATS, "schema_warm_ms":STATS,
//    "idle_hwm_kib":STATS, "idle_rss_kib":STATS, "after_schema_hwm_kib":STATS,
//    "schema_bytes":B, "shared_objects":K, "libcurl_mapped":false}
// where STATS is {"median":x,"min":x,"p10":x,"p90":x,"max":x} (milliseconds
// or KiB as the name says), B is the serialized GetProviderSchema response
// size (the same in every run), K the number of distinct shared objects
// mapped at idle (the dynamic loader and libc included),
// and libcurl_mapped whether any run had libcurl mapped at idle or after the
// schema call. Progress and errors go to stderr; exit code 0 on success, 1
// if a run failed (no JSON line then), 2 on bad usage.

#include <grpcpp/client_context.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "proto/tfplugin6.grpc.pb.h"
#include "provider/plugin/certificate.h"
#include "provider/plugin/environment.h"
#include "tests/plugin/plugin_process.h"

namespace cvm::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStartTimeout{10000};
constexpr milliseconds kRpcTimeout{10000};
constexpr milliseconds kExitTimeout{5000};
// How long the provider sits idle after its handshake before its memory is
// read (lets its gRPC threads reach their steady state).
constexpr milliseconds kIdleSettle{200};

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

// The "Vm...:  N kB" field `name` of /proc/<pid>/status, in KiB; -1 if absent.
long StatusKib(pid_t pid, const std::string& name) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, name + ":")) {
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') digits.push_back(c);
      }
      long kib = -1;
      if (absl::SimpleAtoi(digits, &kib)) return kib;
    }
  }
  return -1;
}

// Distinct file-backed shared objects in /proc/<pid>/maps.
std::set<std::string> SharedObjects(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/maps"));
  std::set<std::string> objects;
  std::string line;
  while (std::getline(in, line)) {
    size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (absl::StrContains(path, ".so")) objects.insert(path);
  }
  return objects;
}

bool AnyLibcurl(const std::set<std::string>& objects) {
  return std::any_of(objects.begin(), objects.end(), [](const std::string& o) {
    return absl::StrContains(o, "libcurl");
  });
}

struct Run {
  double handshake_ms = 0;
  double schema_first_ms = 0;
  double schema_warm_ms = 0;
  long idle_hwm_kib = 0;
  long idle_rss_kib = 0;
  long after_schema_hwm_kib = 0;
  size_t schema_bytes = 0;
  size_t shared_objects = 0;
  bool libcurl_mapped = false;
};

absl::StatusOr<size_t> CallSchema(tfplugin6::Provider::Stub* stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  tfplugin6::GetProviderSchema::Request request;
  tfplugin6::GetProviderSchema::Response response;
  grpc::Status status = stub->GetProviderSchema(&context, request, &response);
  if (!status.ok()) return testing::ToAbsl(status);
  if (!response.resource_schemas().contains("cvm_workspace")) {
    return absl::InternalError("the schema has no cvm_workspace");
  }
  return response.ByteSizeLong();
}

absl::StatusOr<Run> RunOnce(const std::string& exe,
                            const plugin::Certificate& client,
                            const std::string& tmp) {
  const std::map<std::string, std::string> env = {
      {std::string(plugin::kMagicCookieKey),
       std::string(plugin::kMagicCookieValue)},
      {"PLUGIN_PROTOCOL_VERSIONS", "5,6"},
      {"PLUGIN_MIN_PORT", "10000"},
      {"PLUGIN_MAX_PORT", "25000"},
      {"PLUGIN_CLIENT_CERT", client.cert_pem},
      {"HOME", tmp},
      {"TMPDIR", tmp}};
  Run run;
  const Clock::time_point start = Clock::now();
  absl::StatusOr<std::unique_ptr<testing::PluginProcess>> process =
      testing::PluginProcess::Start(exe, {}, env);
  if (!process.ok()) return process.status();
  testing::PluginProcess& p = **process;
  absl::StatusOr<std::string> line = p.ReadStdoutLine(kStartTimeout);
  run.handshake_ms = MillisSince(start);
  if (!line.ok()) {
    return absl::Status(
        line.status().code(),
        absl::StrCat(line.status().message(), "; stderr: ", p.Stderr()));
  }
  absl::StatusOr<testing::HandshakeFields> handshake =
      testing::ParseHandshakeLine(*line);
  if (!handshake.ok()) return handshake.status();

  std::this_thread::sleep_for(kIdleSettle);
  run.idle_hwm_kib = StatusKib(p.pid(), "VmHWM");
  run.idle_rss_kib = StatusKib(p.pid(), "VmRSS");
  const std::set<std::string> idle_objects = SharedObjects(p.pid());
  run.shared_objects = idle_objects.size();

  const Clock::time_point first = Clock::now();
  std::shared_ptr<grpc::Channel> channel =
      testing::Connect(*handshake, &client);
  std::unique_ptr<tfplugin6::Provider::Stub> stub =
      tfplugin6::Provider::NewStub(channel);
  absl::StatusOr<size_t> bytes = CallSchema(stub.get());
  run.schema_first_ms = MillisSince(first);
  if (!bytes.ok()) return bytes.status();
  run.schema_bytes = *bytes;
  const Clock::time_point warm = Clock::now();
  bytes = CallSchema(stub.get());
  run.schema_warm_ms = MillisSince(warm);
  if (!bytes.ok()) return bytes.status();
  run.after_schema_hwm_kib = StatusKib(p.pid(), "VmHWM");
  run.libcurl_mapped =
      AnyLibcurl(idle_objects) || AnyLibcurl(SharedObjects(p.pid()));

  if (absl::Status s = testing::CallShutdown(channel, kRpcTimeout); !s.ok()) {
    return s;
  }
  absl::StatusOr<int> code = p.WaitForExit(kExitTimeout);
  if (!code.ok()) return code.status();
  if (*code != 0) {
    return absl::InternalError(
        absl::StrCat("exit code ", *code, "; stderr: ", p.Stderr()));
  }
  return run;
}

// {"median":..,"min":..,"p10":..,"p90":..,"max":..} of `values`
// (nearest-rank percentiles).
template <typename T>
std::string Stats(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(n - 1) + 0.5);
    return static_cast<double>(values[std::min(i, n - 1)]);
  };
  const double median = n % 2 == 1 ? static_cast<double>(values[n / 2])
                                   : (static_cast<double>(values[n / 2 - 1]) +
                                      static_cast<double>(values[n / 2])) /
                                         2;
  return absl::StrFormat(
      "{\"median\":%.3f,\"min\":%.3f,\"p10\":%.3f,\"p90\":%.3f,\"max\":%.3f}",
      median, static_cast<double>(values.front()), at(0.1), at(0.9),
      static_cast<double>(values.back()));
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

int Main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: schema_bench PROVIDER [RUNS]\n");
    return 2;
  }
  const std::string exe = argv[1];
  int runs = 20;
  if (argc == 3 && (!absl::SimpleAtoi(argv[2], &runs) || runs < 1)) {
    std::fprintf(stderr, "schema_bench: RUNS must be a positive number\n");
    return 2;
  }
  const char* tmp_env = std::getenv("TMPDIR");
  const std::string tmp = tmp_env != nullptr ? tmp_env : "/tmp";
  // Terraform's own client certificate is P-521 (go-plugin's template).
  absl::StatusOr<plugin::Certificate> client =
      plugin::GenerateCertificate(plugin::KeyType::kEcdsaP521);
  if (!client.ok()) {
    std::fprintf(stderr, "schema_bench: %s\n",
                 client.status().ToString().c_str());
    return 1;
  }

  std::vector<Run> results;
  // One unrecorded run first, so every recorded run finds the binary in the
  // page cache.
  for (int i = -1; i < runs; ++i) {
    absl::StatusOr<Run> run = RunOnce(exe, *client, tmp);
    if (!run.ok()) {
      std::fprintf(stderr, "schema_bench: run %d: %s\n", i + 1,
                   run.status().ToString().c_str());
      return 1;
    }
    if (i >= 0) results.push_back(*run);
  }

  auto collect = [&](auto field) {
    std::vector<std::remove_cvref_t<decltype(results[0].*field)>> v;
    for (const Run& r : results) v.push_back(r.*field);
    return v;
  };
  bool libcurl = false;
  for (const Run& r : results) libcurl = libcurl || r.libcurl_mapped;
  std::printf(
      "{\"bench\":\"schema\",\"exe\":%s,\"runs\":%d,\"handshake_ms\":%s,"
      "\"schema_first_ms\":%s,\"schema_warm_ms\":%s,\"idle_hwm_kib\":%s,"
      "\"idle_rss_kib\":%s,\"after_schema_hwm_kib\":%s,\"schema_bytes\":%zu,"
      "\"shared_objects\":%zu,\"libcurl_mapped\":%s}\n",
      JsonString(exe).c_str(), runs, Stats(collect(&Run::handshake_ms)).c_str(),
      Stats(collect(&Run::schema_first_ms)).c_str(),
      Stats(collect(&Run::schema_warm_ms)).c_str(),
      Stats(collect(&Run::idle_hwm_kib)).c_str(),
      Stats(collect(&Run::idle_rss_kib)).c_str(),
      Stats(collect(&Run::after_schema_hwm_kib)).c_str(),
      results.back().schema_bytes, results.back().shared_objects,
      libcurl ? "true" : "false");
  return 0;
}

}  // namespace
}  // namespace cvm::bench

int main(int argc, char** argv) { return cvm::bench::Main(argc, argv); }
