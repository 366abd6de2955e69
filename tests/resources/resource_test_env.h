// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// A configured CvmProvider behind a framework::Server, on a FakeApiServer
// and a FakeClock: the resources' RPCs run in milliseconds, waits included.
//
//   ResourceTestEnv env;
//   env.api->Put(NamespaceObject("coder"));
//   auto plan = env.server.PlanResourceChange("cvm_workspace", ...);

#ifndef CVM_TESTS_RESOURCES_RESOURCE_TEST_ENV_H_
#define CVM_TESTS_RESOURCES_RESOURCE_TEST_ENV_H_

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "nlohmann/json.hpp"
#include "provider/framework/server.h"
#include "provider/resources/provider.h"
#include "provider/schema/schema.h"
#include "provider/values/value.h"
#include "tests/testing/fake_api_server.h"
#include "tests/testing/fake_clock.h"

namespace cvm::resources {

struct ResourceTestEnv {
  ResourceTestEnv()
      : api(std::make_shared<testing::FakeApiServer>(&clock)),
        provider(Env()),
        server(&provider) {
    const values::Value config = schema::Conform(
        ProviderSchema().block,
        values::Value::Object(
            {{"host", values::Value::String("https://fake:6443")},
             {"token", values::Value::String("fake-token")}}));
    configure_diagnostics = server.ConfigureProvider(config, "1.11.4");
  }

  testing::FakeClock clock;
  std::shared_ptr<testing::FakeApiServer> api;
  CvmProvider provider;
  framework::Server server;
  framework::Diagnostics configure_diagnostics;

 private:
  ProviderEnv Env() {
    ProviderEnv env;
    env.environment = kube::Environment::FromMap({});
    env.clock = &clock;
    env.new_client = [this](kube::RestConfig config, kube::Clock* c) {
      kube::ClientHooks hooks;
      hooks.clock = c;
      hooks.random = [] { return 0.0; };
      return kube::Client::Create(std::move(config), api->NewTransport(),
                                  std::move(hooks));
    };
    return env;
  }
};

// A Namespace object with `labels`.
inline nlohmann::json NamespaceObject(
    const std::string& name,
    const std::map<std::string, std::string>& labels = {}) {
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", name}, {"labels", labels}}}};
}

// The names of every diagnostic's summary and detail, for messages.
inline std::string Describe(const framework::Diagnostics& diags) {
  std::string out;
  for (const framework::Diagnostic& d : diags.items()) {
    out += d.summary + ": " + d.detail + "\n";
  }
  return out;
}

}  // namespace cvm::resources

#endif  // CVM_TESTS_RESOURCES_RESOURCE_TEST_ENV_H_
