// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The cvm provider: its provider block (the connection settings users
// already write for hashicorp/kubernetes, plus field manager, rate limits
// and timeouts), Configure (which builds the one kube::Client of the
// process), and the registry of resources and data sources. Part of
// resources/.

#ifndef CVM_PROVIDER_RESOURCES_PROVIDER_H_
#define CVM_PROVIDER_RESOURCES_PROVIDER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "provider/framework/resource.h"
#include "provider/kube/cancel.h"
#include "provider/kube/client.h"
#include "provider/kube/clock.h"
#include "provider/kube/config.h"
#include "provider/kube/read_cache.h"

namespace cvm::resources {

inline constexpr char kDefaultFieldManager[] = "terraform-provider-cvm";

// What the provider is given rather than reaching for the process itself:
// where its connection settings come from, how a Kubernetes client is made,
// and the clock every deadline and cache age is measured on. Production()
// wires the real ones (main.cc); unit tests wire a FakeTransport and a
// FakeClock. Copyable; `clock` is not owned and must outlive the provider.
struct ProviderEnv {
  // KUBE_* variables and the service account directory.
  kube::Environment environment;
  // Makes the client for a resolved configuration (its hooks' clock is
  // `clock`). Errors: those of kube::Client::Create.
  std::function<absl::StatusOr<std::unique_ptr<kube::Client>>(
      kube::RestConfig config, kube::Clock* clock)>
      new_client;
  kube::Clock* clock = kube::Clock::Real();

  // The process environment, libcurl clients, the wall clock.
  static ProviderEnv Production();
};

// What resources get from the provider at call time. Copyable snapshot;
// the shared pointers keep the client and the cancel token alive for the
// duration of an operation even if Configure runs again meanwhile.
struct Connection {
  std::shared_ptr<kube::Client> client;
  std::shared_ptr<kube::CancelToken> cancel;
  // Reads of the objects every workspace consults (settings ConfigMap,
  // Namespace, RuntimeClass), shared by the calls of this process.
  std::shared_ptr<kube::ReadCache> reads;
  // The provider's clock (ProviderEnv::clock): deadlines are Now() + a
  // timeout. Never null in a connection GetConnection returns.
  kube::Clock* clock = nullptr;
  std::string field_manager = kDefaultFieldManager;
  bool force_conflicts = true;

  // client->Get(ref) through `reads`: a result at most
  // kSharedObjectCacheTtl old. For objects that only cvm_cluster_settings
  // (which invalidates the cache after its writes) or an administrator
  // changes; never for a workspace's own objects.
  absl::StatusOr<nlohmann::json> CachedGet(
      const kube::ObjectRef& ref, const kube::RequestOptions& opts) const;
};

// How long a read of a shared object is reused. Long enough to spare the
// API server one read per workspace in a plan of hundreds; short enough
// that a long apply sees an administrator's change within seconds.
inline constexpr absl::Duration kSharedObjectCacheTtl = absl::Seconds(10);

// Thread-safe. Resources and data sources are created once in the
// constructor and live as long as the provider.
class CvmProvider final : public framework::Provider {
 public:
  explicit CvmProvider(ProviderEnv env);
  ~CvmProvider() override;

  const schema::Schema& GetSchema() const override;
  void ValidateConfig(const values::Value& config,
                      framework::Diagnostics* diags) override;
  void Configure(const framework::ConfigureRequest& request,
                 framework::Diagnostics* diags) override;
  std::vector<framework::Resource*> Resources() override;
  std::vector<framework::DataSource*> DataSources() override;
  void Stop() override;

  // The configured connection. Returns false and adds an error diagnostic
  // when Configure has not run, the connection settings were invalid or
  // missing ("Invalid Kubernetes Connection Settings"), or they were not
  // known yet (a cluster created in the same apply); `summary` (what the
  // caller was doing) ends the detail.
  bool GetConnection(const std::string& summary, Connection* out,
                     framework::Diagnostics* diags) const;

  // False while the provider configuration has unknown values (a cluster
  // created in the same apply): plan-time code then plans from the
  // configuration alone. True otherwise, even when the settings are wrong
  // or missing: GetConnection then reports why, so the error surfaces where
  // the API is needed (and never for cvm_workspace_manifest, which needs
  // none).
  bool HasConnection() const;

  // The clock of ProviderEnv, for deadlines computed before a connection
  // exists. Never null.
  kube::Clock* clock() const { return env_.clock; }

  // The namespaces whose settings ConfigMap this process wrote (an apply of
  // cvm_cluster_settings). Terraform plans a resource again during apply
  // once what it depends on is applied: a workspace referencing those
  // settings (cluster_settings_id), whose first plan left what they decide
  // unknown, then plans from them as written. Thread-safe.
  void NoteSettingsWritten(const std::string& ns) const;
  bool SettingsWritten(const std::string& ns) const;

 private:
  ProviderEnv env_;
  std::vector<std::unique_ptr<framework::Resource>> resources_;
  std::vector<std::unique_ptr<framework::DataSource>> data_sources_;

  mutable absl::Mutex mu_;
  Connection connection_ ABSL_GUARDED_BY(mu_);
  std::string configure_problem_summary_ ABSL_GUARDED_BY(mu_);
  std::string configure_problem_ ABSL_GUARDED_BY(mu_);
  bool connection_pending_ ABSL_GUARDED_BY(mu_) = false;
  mutable absl::flat_hash_set<std::string> settings_written_
      ABSL_GUARDED_BY(mu_);
};

// The provider block schema (exposed for docs and tests).
const schema::Schema& ProviderSchema();

// Builds kube::ConfigOptions from a wholly known provider configuration.
// Errors: kInvalidArgument for a bad request_timeout.
absl::StatusOr<kube::ConfigOptions> ConfigOptionsFrom(const values::Value& config);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_PROVIDER_H_
