// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The cvm provider: its provider block (the connection settings users
// already write for hashicorp/kubernetes, plus field manager, rate limits
// and timeouts), Configure (which builds the one kube::Client of the
// process), and the registry of resources and data sources. Part of
// resources/.

#ifndef CVM_PROVIDER_RESOURCES_PROVIDER_H_
#define CVM_PROVIDER_RESOURCES_PROVIDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "provider/framework/resource.h"
#include "provider/kube/cancel.h"
#include "provider/kube/client.h"
#include "provider/kube/config.h"

namespace cvm::resources {

inline constexpr char kDefaultFieldManager[] = "terraform-provider-cvm";

// What resources get from the provider at call time. Copyable snapshot;
// the shared pointers keep the client and the cancel token alive for the
// duration of an operation even if Configure runs again meanwhile.
struct Connection {
  std::shared_ptr<kube::Client> client;
  std::shared_ptr<kube::CancelToken> cancel;
  std::string field_manager = kDefaultFieldManager;
  bool force_conflicts = false;
};

// Thread-safe. Resources and data sources are created once in the
// constructor and live as long as the provider.
class CvmProvider final : public framework::Provider {
 public:
  // `env` is where KUBE_* variables and the service account are read
  // (Environment::Process() in production).
  explicit CvmProvider(kube::Environment env);
  ~CvmProvider() override;

  const schema::Schema& GetSchema() const override;
  void ValidateConfig(const values::Value& config,
                      framework::Diagnostics* diags) override;
  void Configure(const framework::ConfigureRequest& request,
                 framework::Diagnostics* diags) override;
  std::vector<framework::Resource*> Resources() override;
  std::vector<framework::DataSource*> DataSources() override;
  void Stop() override;

  // The configured connection. Adds an error diagnostic with `summary` and
  // returns false when Configure has not run, failed, or ran with values
  // that are not known yet (a cluster created in the same apply).
  bool GetConnection(const std::string& summary, Connection* out,
                     framework::Diagnostics* diags) const;

  // True once Configure ran with a wholly known configuration and built a
  // client. Plan-time code uses it to decide whether it may read the
  // cluster.
  bool HasConnection() const;

 private:
  kube::Environment env_;
  std::vector<std::unique_ptr<framework::Resource>> resources_;
  std::vector<std::unique_ptr<framework::DataSource>> data_sources_;

  mutable absl::Mutex mu_;
  Connection connection_ ABSL_GUARDED_BY(mu_);
  std::string configure_problem_ ABSL_GUARDED_BY(mu_);
};

// The provider block schema (exposed for docs and tests).
const schema::Schema& ProviderSchema();

// Builds kube::ConfigOptions from a wholly known provider configuration.
// Errors: kInvalidArgument for a bad request_timeout.
absl::StatusOr<kube::ConfigOptions> ConfigOptionsFrom(const values::Value& config);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_PROVIDER_H_
