// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// kube_probe: resolves a connection the way the provider does (provider
// block options from flags, then KUBE_* variables, kubeconfig, in-cluster),
// reads /version, then GETs one object N times sequentially, and prints one
// JSON line with the client's request counters and the transport's
// connection and HTTP/2 counts. For measuring connection reuse against a
// real API server (tests/cluster) and for debugging a configuration.
//
//   kube_probe [--config_path P] [--config_context C] [--gets N]
//              [--kind Namespace] [--namespace NS] [--name default]

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "provider/kube/client.h"
#include "provider/kube/config.h"
#include "provider/kube/curl_transport.h"

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "kube_probe: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cvm::kube;
  ConfigOptions options;
  int gets = 100;
  std::string kind = "Namespace", ns, name = "default";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--config_path") {
      options.config_path = value;
    } else if (flag == "--config_context") {
      options.config_context = value;
    } else if (flag == "--gets") {
      if (!absl::SimpleAtoi(value, &gets)) return 2;
    } else if (flag == "--kind") {
      kind = value;
    } else if (flag == "--namespace") {
      ns = value;
    } else if (flag == "--name") {
      name = value;
    } else {
      std::fprintf(stderr, "kube_probe: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  absl::StatusOr<RestConfig> config =
      ResolveConfig(options, Environment::Process());
  if (!config.ok()) return Fail(config.status());
  config->qps = 0;  // measure the transport, not the limiter
  absl::StatusOr<std::unique_ptr<CurlTransport>> transport =
      CurlTransport::Create(CurlTransport::OptionsFrom(*config));
  if (!transport.ok()) return Fail(transport.status());
  CurlTransport* curl = transport->get();
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Create(*config, std::move(*transport));
  if (!client.ok()) return Fail(client.status());

  absl::StatusOr<ServerVersion> version = (*client)->GetServerVersion();
  if (!version.ok()) return Fail(version.status());
  ObjectRef ref{"v1", kind, ns, name};
  absl::Time start = absl::Now();
  for (int i = 0; i < gets; ++i) {
    absl::StatusOr<nlohmann::json> object = (*client)->Get(ref);
    if (!object.ok()) return Fail(object.status());
  }
  absl::Duration elapsed = absl::Now() - start;
  ClientStats stats = (*client)->Stats();
  CurlTransportStats t = curl->stats();
  nlohmann::json out = {{"server", config->host},
                        {"git_version", version->git_version},
                        {"gets", gets},
                        {"elapsed_ms", absl::ToDoubleMilliseconds(elapsed)},
                        {"client_requests", stats.requests()},
                        {"transport_requests", t.requests},
                        {"connections", t.connections},
                        {"http2_responses", t.http2}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
