// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// terraform-provider-cvm: wiring only. Builds the provider, wraps it in the
// framework server and the tfplugin6 service, and hands that to the
// go-plugin process contract.
//
// Benchmarking aid, off by default: with CVM_STATS_FILE=path in its
// environment, the process appends one JSON line to that file as it exits
// after Terraform's Shutdown (util/process_stats.h): its CPU time and peak
// RSS (getrusage) and the Kubernetes requests it sent, by verb
// (kube::ClientStats). bench/run.sh sums these over the provider processes
// Terraform starts.

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "provider/framework/server.h"
#include "provider/kube/config.h"
#include "provider/kube/curl_transport.h"
#include "provider/plugin/serve.h"
#include "provider/protocol/provider_service.h"
#include "provider/resources/provider.h"
#include "provider/util/process_stats.h"

namespace {

// Appends the CVM_STATS_FILE line (see the file comment); failures only go
// to stderr, the exit code stays Serve's.
void WriteStats(const cvm::resources::CvmProvider& provider, const char* path) {
  cvm::kube::ClientStats stats;
  cvm::resources::Connection connection;
  cvm::framework::Diagnostics ignored;  // "not configured": counts stay 0
  if (provider.GetConnection("stats", &connection, &ignored) &&
      connection.client != nullptr) {
    stats = connection.client->Stats();
  }
  std::vector<std::pair<std::string, int64_t>> requests = {
      {"get", stats.get},         {"list", stats.list},
      {"watch", stats.watch},     {"create", stats.create},
      {"apply", stats.apply},     {"delete", stats.del},
      {"other", stats.other},     {"retries", stats.retries},
      {"throttled_us", absl::ToInt64Microseconds(stats.throttled)}};
  absl::Status status = cvm::util::AppendLine(
      path, cvm::util::FormatStatsLine(::getpid(), cvm::util::SelfUsage(), requests));
  if (!status.ok()) {
    std::fprintf(stderr, "terraform-provider-cvm: %s: %s\n",
                 cvm::util::kStatsFileEnv, std::string(status.message()).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so every Mutex lock would also
  // update the deadlock detector's lock graph, a cost on every request. The
  // test binaries keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // One malloc arena instead of one per thread that allocates (up to 8 per
  // core): gRPC's and the HTTP client's threads would each keep their own
  // partly used heap. The provider's calls are I/O bound; contention on
  // the one arena is not measurable, its memory is.
  mallopt(M_ARENA_MAX, 1);
  // Still single-threaded: the environment may change.
  cvm::kube::PrepareEnvironmentForCurl();
  cvm::plugin::ServeOptions options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-debug") == 0 || std::strcmp(argv[i], "--debug") == 0) {
      options.debug = true;
    } else if (std::strcmp(argv[i], "-version") == 0 ||
               std::strcmp(argv[i], "--version") == 0) {
      // Not run by Terraform (it passes no arguments), so stdout is free.
      std::printf("terraform-provider-cvm v%s (protocol 6)\n", CVM_VERSION);
      return 0;
    } else {
      std::fprintf(stderr,
                   "terraform-provider-cvm: unknown argument %s\n"
                   "usage: terraform-provider-cvm [-debug | -version]\n",
                   argv[i]);
      return 2;
    }
  }
  cvm::resources::CvmProvider provider(cvm::resources::ProviderEnv::Production());
  cvm::framework::Server server(&provider);
  cvm::protocol::ProviderService service(&server);
  options.on_shutdown = [&provider] { provider.Stop(); };
  int code = cvm::plugin::Serve({&service}, options);
  if (const char* path = std::getenv(cvm::util::kStatsFileEnv);
      path != nullptr && *path != '\0') {
    WriteStats(provider, path);
  }
  return code;
}
