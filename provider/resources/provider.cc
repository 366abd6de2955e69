// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/provider.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "provider/framework/value_access.h"
#include "provider/framework/timeouts.h"
#include "provider/resources/cluster_settings.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace.h"
#include "provider/util/log.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::NumberAttr;
using framework::StringAttr;
using schema::Attribute;
using schema::NestedBlock;
using values::Type;
using values::Value;

schema::Schema BuildProviderSchema() {
  schema::Schema s;
  s.block.markdown_description =
      "The cvm provider manages Coder-style container-based virtual machines "
      "(CVMs) on Kubernetes: workspaces that run Docker and systemd inside, "
      "built on the Sysbox container runtime. Its connection settings use the "
      "same names and `KUBE_*` environment variables as the hashicorp/kubernetes "
      "provider. With no connection settings at all the provider reports an "
      "error instead of falling back to localhost.";
  s.block.attributes = {
      Attribute("config_path", Type::String()).Optional().DescribeMarkdown(
          "Path to a kubeconfig file. Environment: `KUBE_CONFIG_PATH`. "
          "`KUBECONFIG` is deliberately not read."),
      Attribute("config_paths", Type::List(Type::String())).Optional().DescribeMarkdown(
          "Kubeconfig files merged as kubectl merges them (the first file to "
          "define a name wins). Environment: `KUBE_CONFIG_PATHS` (`:`-separated)."),
      Attribute("config_context", Type::String()).Optional().DescribeMarkdown(
          "Kubeconfig context to use instead of `current-context`. Environment: `KUBE_CTX`."),
      Attribute("config_context_auth_info", Type::String()).Optional().DescribeMarkdown(
          "Kubeconfig user to use instead of the context's. Environment: `KUBE_CTX_AUTH_INFO`."),
      Attribute("config_context_cluster", Type::String()).Optional().DescribeMarkdown(
          "Kubeconfig cluster to use instead of the context's. Environment: `KUBE_CTX_CLUSTER`."),
      Attribute("host", Type::String()).Optional().DescribeMarkdown(
          "URL of the Kubernetes API server, e.g. `https://10.0.0.1:6443`. "
          "Environment: `KUBE_HOST`."),
      Attribute("token", Type::String()).Optional().Sensitive().DescribeMarkdown(
          "Bearer token for the API server. Environment: `KUBE_TOKEN`. Prefer an "
          "`exec` plugin for short-lived cloud tokens."),
      Attribute("cluster_ca_certificate", Type::String()).Optional().DescribeMarkdown(
          "PEM-encoded CA bundle that signed the API server's certificate. "
          "Environment: `KUBE_CLUSTER_CA_CERT_DATA`."),
      Attribute("client_certificate", Type::String()).Optional().DescribeMarkdown(
          "PEM-encoded client certificate for TLS authentication. Environment: "
          "`KUBE_CLIENT_CERT_DATA`."),
      Attribute("client_key", Type::String()).Optional().Sensitive().DescribeMarkdown(
          "PEM-encoded private key of `client_certificate`. Environment: "
          "`KUBE_CLIENT_KEY_DATA`."),
      Attribute("insecure", Type::Bool()).Optional().DescribeMarkdown(
          "Skip TLS verification of the API server. Not recommended; the plan "
          "warns when it is set. Environment: `KUBE_INSECURE`."),
      Attribute("tls_server_name", Type::String()).Optional().DescribeMarkdown(
          "Server name for SNI and certificate verification, when it differs "
          "from the host. Environment: `KUBE_TLS_SERVER_NAME`."),
      Attribute("proxy_url", Type::String()).Optional().DescribeMarkdown(
          "Proxy for API requests (`http://`, `https://` or `socks5://`). "
          "Environment: `KUBE_PROXY_URL`."),
      Attribute("field_manager", Type::String()).Optional().DescribeMarkdown(
          "Server-side apply field manager of every object the provider writes. "
          "Default `terraform-provider-cvm`."),
      Attribute("force_conflicts", Type::Bool()).Optional().DescribeMarkdown(
          "Take back fields of the provider's objects that another field "
          "manager changed (server-side apply `force`), so drift made with "
          "kubectl is repaired by the next apply. Default `true`. With "
          "`false`, such a conflict is an error naming the other manager."),
      Attribute("qps", Type::Number()).Optional().DescribeMarkdown(
          "Sustained API requests per second. Default 100 (client-go's default is 5)."),
      Attribute("burst", Type::Number()).Optional().Validate(IsIntInRange(1, 100000))
          .DescribeMarkdown("API request burst above `qps`. Default 300."),
      Attribute("request_timeout", Type::String()).Optional().Validate(IsDuration())
          .DescribeMarkdown("Timeout of one API request, e.g. `30s`. Default `60s`."),
  };
  NestedBlock exec;
  exec.type_name = "exec";
  exec.nesting = NestedBlock::Nesting::kSingle;
  exec.block.markdown_description =
      "A client-go credential plugin, e.g. `aws eks get-token`, run to obtain "
      "a token and re-run when it expires.";
  exec.block.attributes = {
      Attribute("api_version", Type::String()).Required()
          .Validate(OneOf({"client.authentication.k8s.io/v1",
                           "client.authentication.k8s.io/v1beta1"}))
          .DescribeMarkdown("`client.authentication.k8s.io/v1` or `.../v1beta1`."),
      Attribute("command", Type::String()).Required().Describe("Command to run."),
      Attribute("args", Type::List(Type::String())).Optional().Describe("Arguments."),
      Attribute("env", Type::Map(Type::String())).Optional()
          .Describe("Environment variables added for the command."),
  };
  s.block.block_types.push_back(std::move(exec));
  return s;
}

}  // namespace

const schema::Schema& ProviderSchema() {
  static const schema::Schema* s = new schema::Schema(BuildProviderSchema());
  return *s;
}

absl::StatusOr<kube::ConfigOptions> ConfigOptionsFrom(const Value& config) {
  kube::ConfigOptions o;
  o.config_path = StringAttr(config, "config_path");
  o.config_paths = framework::StringListAttr(config, "config_paths");
  o.config_context = StringAttr(config, "config_context");
  o.config_context_auth_info = StringAttr(config, "config_context_auth_info");
  o.config_context_cluster = StringAttr(config, "config_context_cluster");
  o.host = StringAttr(config, "host");
  o.token = StringAttr(config, "token");
  o.cluster_ca_certificate = StringAttr(config, "cluster_ca_certificate");
  o.client_certificate = StringAttr(config, "client_certificate");
  o.client_key = StringAttr(config, "client_key");
  o.insecure = BoolAttr(config, "insecure");
  o.tls_server_name = StringAttr(config, "tls_server_name");
  o.proxy_url = StringAttr(config, "proxy_url");
  o.qps = NumberAttr(config, "qps");
  if (auto burst = framework::IntAttr(config, "burst")) {
    o.burst = static_cast<int>(*burst);
  }
  if (auto timeout = StringAttr(config, "request_timeout")) {
    absl::StatusOr<absl::Duration> parsed = framework::ParseDuration(*timeout);
    if (!parsed.ok()) return parsed.status();
    o.request_timeout = *parsed;
  }
  const Value& exec = Attr(config, "exec");
  if (exec.IsKnown()) {
    kube::ExecConfig e;
    e.api_version = StringAttr(exec, "api_version").value_or("");
    e.command = StringAttr(exec, "command").value_or("");
    e.args = framework::StringListAttr(exec, "args").value_or(std::vector<std::string>{});
    for (const auto& [k, v] :
         framework::StringMapAttr(exec, "env").value_or(std::map<std::string, std::string>{})) {
      e.env.emplace_back(k, v);
    }
    o.exec = std::move(e);
  }
  return o;
}

ProviderEnv ProviderEnv::Production() {
  ProviderEnv env;
  env.environment = kube::Environment::Process();
  env.new_client = [](kube::RestConfig config, kube::Clock* clock) {
    kube::ClientHooks hooks;
    hooks.clock = clock;
    return kube::Client::Create(std::move(config), nullptr, std::move(hooks));
  };
  return env;
}

CvmProvider::CvmProvider(ProviderEnv env) : env_(std::move(env)) {
  resources_.push_back(NewClusterSettingsResource(this));
  resources_.push_back(NewWorkspaceResource(this));
  data_sources_.push_back(NewClusterSettingsDataSource(this));
  data_sources_.push_back(NewWorkspaceManifestDataSource(this));
}

CvmProvider::~CvmProvider() = default;

const schema::Schema& CvmProvider::GetSchema() const { return ProviderSchema(); }

void CvmProvider::ValidateConfig(const Value& config, Diagnostics* diags) {
  if (BoolAttr(config, "insecure").value_or(false)) {
    diags->AddAttributeWarning(
        values::Path::FromAttr("insecure"), "TLS Verification Disabled",
        "The provider will not verify the API server's certificate, so anyone "
        "on the network path can impersonate the cluster and read the "
        "workspace secrets it is sent. Set cluster_ca_certificate instead.");
  }
  if (Attr(config, "token").IsKnown() && Attr(config, "exec").IsKnown()) {
    diags->AddAttributeError(values::Path::FromAttr("exec"), "Conflicting Credentials",
                             "Set either token or an exec block, not both.");
  }
  const Value& qps = Attr(config, "qps");
  if (qps.IsKnown() && qps.AsNumber().ToDouble() < 0) {
    diags->AddAttributeError(values::Path::FromAttr("qps"), "Invalid Attribute Value",
                             "qps must be 0 (no limit) or a positive number.");
  }
}

absl::StatusOr<nlohmann::json> Connection::CachedGet(
    const kube::ObjectRef& ref, const kube::RequestOptions& opts) const {
  return reads->Get(ref, [&] { return client->Get(ref, opts); });
}

void CvmProvider::Configure(const framework::ConfigureRequest& request,
                            Diagnostics* diags) {
  Connection next;
  next.cancel = std::make_shared<kube::CancelToken>();
  next.reads =
      std::make_shared<kube::ReadCache>(kSharedObjectCacheTtl, env_.clock);
  next.clock = env_.clock;
  next.field_manager =
      StringAttr(request.config, "field_manager").value_or(kDefaultFieldManager);
  next.force_conflicts = BoolAttr(request.config, "force_conflicts").value_or(true);
  // What GetConnection reports when there is no client: a summary of its
  // own, so the diagnostic says what is wrong rather than what failed.
  std::string problem_summary;
  std::string problem;
  bool pending = false;
  if (!request.config.IsWhollyKnown()) {
    pending = true;
    // A cluster created in the same apply: plans of creates still work;
    // anything that needs the API says so.
    problem_summary = "Kubernetes Connection Not Known Yet";
    problem =
        "The provider configuration depends on values that are not known yet "
        "(for example a cluster created in the same apply), so the Kubernetes "
        "API cannot be reached during this plan.";
    util::LogDebug("provider configured with unknown values");
  } else {
    absl::StatusOr<kube::ConfigOptions> options = ConfigOptionsFrom(request.config);
    absl::StatusOr<kube::RestConfig> rest =
        options.ok() ? kube::ResolveConfig(*options, env_.environment)
                     : absl::StatusOr<kube::RestConfig>(options.status());
    // A bad or missing connection is reported by whatever needs the API
    // (GetConnection), not here: cvm_workspace_manifest renders without a
    // cluster, so a GitOps job needs no credentials.
    if (!rest.ok()) {
      problem_summary = "Invalid Kubernetes Connection Settings";
      problem = std::string(rest.status().message());
    } else {
      rest->user_agent = absl::StrCat("terraform-provider-cvm/", CVM_VERSION,
                                      " Terraform/", request.terraform_version);
      absl::StatusOr<std::unique_ptr<kube::Client>> client =
          env_.new_client(*rest, env_.clock);
      if (!client.ok()) {
        problem_summary = "Unable to Create the Kubernetes Client";
        problem = std::string(client.status().message());
      } else {
        next.client = std::move(*client);
        util::LogDebug("provider configured", {{"connection", rest->Describe()}});
      }
    }
  }
  absl::MutexLock lock(&mu_);
  connection_ = std::move(next);
  configure_problem_summary_ = std::move(problem_summary);
  configure_problem_ = std::move(problem);
  connection_pending_ = pending;
}

std::vector<framework::Resource*> CvmProvider::Resources() {
  std::vector<framework::Resource*> out;
  for (auto& r : resources_) out.push_back(r.get());
  return out;
}

std::vector<framework::DataSource*> CvmProvider::DataSources() {
  std::vector<framework::DataSource*> out;
  for (auto& d : data_sources_) out.push_back(d.get());
  return out;
}

void CvmProvider::Stop() {
  absl::MutexLock lock(&mu_);
  if (connection_.cancel) connection_.cancel->Cancel();
}

bool CvmProvider::GetConnection(const std::string& summary, Connection* out,
                                Diagnostics* diags) const {
  absl::MutexLock lock(&mu_);
  if (connection_.client) {
    *out = connection_;
    return true;
  }
  if (configure_problem_.empty()) {
    diags->AddError(summary,
                    "The provider has not been configured. This is a bug in "
                    "the provider; please report it.");
  } else {
    diags->AddError(configure_problem_summary_,
                    absl::StrCat(configure_problem_, " (", summary, ".)"));
  }
  return false;
}

bool CvmProvider::HasConnection() const {
  absl::MutexLock lock(&mu_);
  return !connection_pending_;
}

void CvmProvider::NoteSettingsWritten(const std::string& ns) const {
  absl::MutexLock lock(&mu_);
  settings_written_.insert(ns);
}

bool CvmProvider::SettingsWritten(const std::string& ns) const {
  absl::MutexLock lock(&mu_);
  return settings_written_.contains(ns);
}

}  // namespace cvm::resources
