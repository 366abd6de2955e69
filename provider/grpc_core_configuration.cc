// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// gRPC's core configuration for a process that only serves: replaces
// grpc_core::BuildCoreConfiguration, which gRPC 1.51 calls once from
// grpc_init and which its own grpc_plugin_registry.cc defines to register
// every client-side part too (load-balancing policies including xDS, RLS and
// grpclb, the DNS, c-ares, sockaddr and fake resolvers, the HTTP CONNECT
// proxy, fault injection, ...). Linked into the statically linked provider
// only (provider/CMakeLists.txt): defined here, that archive member and
// everything only it pulls in are never linked, and grpc_init does not build
// registries for them.
//
// The provider never opens a channel: it serves the plugin protocol over one
// TLS (or plaintext) listener. What a server needs, in the order gRPC 1.51
// registers it: the EventEngine channel argument, the TLS handshaker, the
// max-age/idle filter, the HTTP server filter, deadlines, message size
// limits, the resource quota, the server authentication filter, and the
// built-in server and connected-channel filters.

// gRPC's internal headers are not installed: these declarations exist only
// to give the functions gRPC's mangled names (CMake checks libgrpc.a defines
// each); the class is never used as a type here.
namespace grpc_core {
class CoreConfiguration {
 public:
  class Builder;
};
void SecurityRegisterHandshakerFactories(CoreConfiguration::Builder* builder);
void RegisterChannelIdleFilters(CoreConfiguration::Builder* builder);
void RegisterHttpFilters(CoreConfiguration::Builder* builder);
void RegisterDeadlineFilter(CoreConfiguration::Builder* builder);
void RegisterMessageSizeFilter(CoreConfiguration::Builder* builder);
void RegisterResourceQuota(CoreConfiguration::Builder* builder);
void RegisterSecurityFilters(CoreConfiguration::Builder* builder);
void RegisterBuiltins(CoreConfiguration::Builder* builder);
}  // namespace grpc_core

namespace grpc_event_engine::experimental {
void RegisterEventEngineChannelArgPreconditioning(
    grpc_core::CoreConfiguration::Builder* builder);
}  // namespace grpc_event_engine::experimental

namespace grpc_core {

void BuildCoreConfiguration(CoreConfiguration::Builder* builder) {
  grpc_event_engine::experimental::RegisterEventEngineChannelArgPreconditioning(
      builder);
  SecurityRegisterHandshakerFactories(builder);
  RegisterChannelIdleFilters(builder);
  RegisterHttpFilters(builder);
  RegisterDeadlineFilter(builder);
  RegisterMessageSizeFilter(builder);
  RegisterResourceQuota(builder);
  RegisterSecurityFilters(builder);
  RegisterBuiltins(builder);
}

}  // namespace grpc_core
