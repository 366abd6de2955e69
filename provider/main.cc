// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// terraform-provider-cvm: wiring only. Builds the provider, wraps it in the
// framework server and the tfplugin6 service, and hands that to the
// go-plugin process contract.

#include <cstdio>
#include <cstring>

#include "provider/framework/server.h"
#include "provider/kube/config.h"
#include "provider/plugin/serve.h"
#include "provider/protocol/provider_service.h"
#include "provider/resources/provider.h"

int main(int argc, char** argv) {
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
  cvm::resources::CvmProvider provider(cvm::kube::Environment::Process());
  cvm::framework::Server server(&provider);
  cvm::protocol::ProviderService service(&server);
  options.on_shutdown = [&provider] { provider.Stop(); };
  return cvm::plugin::Serve({&service}, options);
}
