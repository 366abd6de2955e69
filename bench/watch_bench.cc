// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// watch_bench: the provider's CPU for following a workspace pod through
// one watch event (issue 16), kube::Client::WaitFor on a transport that
// answers every watch with one MODIFIED event of a rendered envbox pod as
// the API server returns it (managedFields, status of a running pod), in
// two variants measured in the same run:
//   * BM_WaitForPod/all: the whole object kept (WatchedFields::kAll, the
//     baseline: what every wait parsed before);
//   * BM_WaitForPod/status: metadata, status and spec.nodeName only
//     (WatchedFields::kStatus, what WaitForPodReady and WaitForDeletion use).
// No network, no threads but the caller's.
//
// Usage: watch_bench [Google Benchmark flags]
// Output: Google Benchmark's table, then one line
//   watch_bench: status/all CPU per wait = R (event of B bytes)

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "nlohmann/json.hpp"
#include "provider/kube/client.h"
#include "provider/kube/transport.h"
#include "provider/resources/settings.h"
#include "provider/resources/workspace_model.h"

namespace {

using cvm::kube::WatchedFields;
using nlohmann::json;

// A running envbox workspace pod as the API server answers for it.
json ServedPod(const std::string& rv) {
  cvm::resources::WorkspaceSpec spec;
  spec.name = "dev";
  spec.namespace_name = "coder";
  spec.image = cvm::resources::kDefaultEnvboxImage;
  spec.inner_image = "docker.io/codercom/enterprise-base:ubuntu";
  spec.has_agent_token = true;
  spec.cpu_limit = "2";
  spec.memory_limit = "4Gi";
  cvm::resources::ClusterSettings settings;
  settings.namespace_name = "coder";
  json pod =
      cvm::resources::Render(spec, settings, std::string("token"), "").pod;
  json& meta = pod["metadata"];
  meta["uid"] = "4f6d0c1e-5a7b-4c8d-9e0f-1a2b3c4d5e6f";
  meta["resourceVersion"] = rv;
  meta["creationTimestamp"] = "2026-12-06T09:00:00Z";
  meta["managedFields"] = json::array(
      {{{"manager", "terraform-provider-cvm"},
        {"operation", "Apply"},
        {"apiVersion", "v1"},
        {"fieldsType", "FieldsV1"},
        {"fieldsV1", pod["spec"]}},  // about as large as the spec
       {{"manager", "kubelet"},
        {"operation", "Update"},
        {"subresource", "status"},
        {"fieldsType", "FieldsV1"},
        {"fieldsV1", {{"f:status", {{"f:conditions", json::object()}}}}}}});
  pod["spec"]["nodeName"] = "node-1";
  json conditions = json::array();
  for (const char* type :
       {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
    conditions.push_back({{"type", type},
                          {"status", "True"},
                          {"lastTransitionTime", "2026-12-06T09:00:03Z"}});
  }
  pod["status"] = {
      {"phase", "Running"},
      {"conditions", conditions},
      {"hostIP", "10.0.0.2"},
      {"podIP", "10.244.1.7"},
      {"startTime", "2026-12-06T09:00:01Z"},
      {"qosClass", "Guaranteed"},
      {"containerStatuses",
       json::array(
           {{{"name", "dev"},
             {"ready", true},
             {"restartCount", 0},
             {"image", spec.image},
             {"imageID", "sha256:0123456789abcdef"},
             {"containerID", "containerd://0123456789abcdef"},
             {"started", true},
             {"state",
              {{"running", {{"startedAt", "2026-12-06T09:00:02Z"}}}}}}})}};
  return pod;
}

// Answers every watch with the same one-event body.
class OneEventTransport final : public cvm::kube::Transport {
 public:
  explicit OneEventTransport(std::string body) : body_(std::move(body)) {}
  absl::StatusOr<cvm::kube::HttpResponse> Send(
      const cvm::kube::HttpRequest&) override {
    return absl::UnimplementedError("only watches");
  }
  absl::StatusOr<cvm::kube::HttpResponse> Stream(
      const cvm::kube::HttpRequest&,
      const cvm::kube::BodyChunkFn& on_chunk) override {
    cvm::kube::HttpResponse response;
    response.status = 200;
    on_chunk(body_);
    return response;
  }

 private:
  const std::string body_;
};

std::string EventBody() {
  return json{{"type", "MODIFIED"}, {"object", ServedPod("8")}}.dump() + "\n";
}

void BM_WaitForPod(benchmark::State& state) {
  const auto fields = static_cast<WatchedFields>(state.range(0));
  const std::string body = EventBody();
  cvm::kube::RestConfig config;
  config.host = "https://127.0.0.1:6443";
  config.token = "bench";
  config.qps = 0;
  absl::StatusOr<std::unique_ptr<cvm::kube::Client>> client =
      cvm::kube::Client::Create(config,
                                std::make_unique<OneEventTransport>(body));
  if (!client.ok()) {
    state.SkipWithError(std::string(client.status().message()).c_str());
    return;
  }
  const cvm::kube::ObjectRef ref{"v1", "Pod", "coder", "dev"};
  json last_seen = {{"metadata", {{"resourceVersion", "7"}}}};
  const cvm::kube::Predicate ready = cvm::kube::HasCondition("Ready");
  for (auto _ : state) {
    absl::StatusOr<json> pod = (*client)->WaitFor(
        ref, ready, absl::Now() + absl::Minutes(1), nullptr, last_seen, fields);
    if (!pod.ok()) {
      state.SkipWithError(std::string(pod.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(pod);
  }
  state.counters["event_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_WaitForPod)
    ->ArgName("fields")
    ->Arg(static_cast<int>(WatchedFields::kAll))
    ->Arg(static_cast<int>(WatchedFields::kStatus));

// Google Benchmark's console table, and the CPU time per iteration of each
// run kept for the ratio.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration && run.iterations > 0) {
        cpu_[run.benchmark_name()] = run.GetAdjustedCPUTime();
      }
    }
  }
  double Cpu(const std::string& name) const {
    auto it = cpu_.find(name);
    return it == cpu_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> cpu_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  const double all = reporter.Cpu("BM_WaitForPod/fields:0");
  const double status = reporter.Cpu("BM_WaitForPod/fields:1");
  if (all <= 0 || status <= 0) {
    std::fprintf(stderr, "watch_bench: a variant did not run\n");
    return 1;
  }
  std::printf(
      "watch_bench: status/all CPU per wait = %.2f (event of %zu "
      "bytes)\n",
      status / all, EventBody().size());
  return 0;
}
