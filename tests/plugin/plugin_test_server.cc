// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// A minimal plugin executable for the process tests and bench/startup.sh:
// plugin::Serve with one extra service (a plugin.GRPCBroker whose StartStream
// always fails with FAILED_PRECONDITION "plugin_test_server broker", to show
// that caller services are served). Accepts -debug like the provider.
// Writes "plugin_test_server: on_shutdown" to stderr from on_shutdown.

#include <unistd.h>

#include <cstring>
#include <vector>

#include "proto/go_plugin.grpc.pb.h"
#include "provider/plugin/serve.h"

namespace {

class TestBroker final : public ::plugin::GRPCBroker::Service {
 public:
  grpc::Status StartStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<::plugin::ConnInfo, ::plugin::ConnInfo>* stream)
      override {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "plugin_test_server broker");
  }
};

}  // namespace

int main(int argc, char** argv) {
  cvm::plugin::ServeOptions options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-debug") == 0 ||
        std::strcmp(argv[i], "--debug") == 0) {
      options.debug = true;
    }
  }
  options.on_shutdown = [] {
    static constexpr char kLine[] = "plugin_test_server: on_shutdown\n";
    [[maybe_unused]] ssize_t n = ::write(2, kLine, sizeof(kLine) - 1);
  };
  TestBroker broker;
  return cvm::plugin::Serve({&broker}, options);
}
