// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/cluster_settings.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/framework/timeouts.h"
#include "provider/framework/value_access.h"
#include "provider/kube/errors.h"
#include "provider/resources/cluster_probe.h"
#include "provider/resources/json_access.h"
#include "provider/resources/provider.h"
#include "provider/resources/validators.h"
#include "provider/util/log.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using schema::Attribute;
using schema::NestedBlock;
using schema::NestedObject;
using values::Path;
using values::Type;
using values::Value;

constexpr char kTypeName[] = "cvm_cluster_settings";
// Reads (refresh, import, the data source); writes take `timeouts`.
constexpr absl::Duration kOperationTimeout = absl::Minutes(5);

const char kAmdReason[] =
    "CVMs support NVIDIA GPUs only: envbox passes only NVIDIA devices and "
    "libraries (nvidia, cuda, vulkan) into the workspace and Sysbox has no GPU "
    "passthrough. Use \"nvidia\" or \"none\".";

schema::Schema BuildSchema(bool data_source) {
  schema::Schema s;
  s.version = 0;
  s.block.markdown_description =
      data_source
          ? "Reads the CVM settings of a namespace (the `cvm-cluster-settings` "
            "ConfigMap written by the `cvm_cluster_settings` resource), for "
            "templates kept in another Terraform state."
          : "How CVM workspaces run in one namespace: caching, shiftfs "
            "auto-loading, GPUs, the Docker bridge network, the Sysbox "
            "RuntimeClass and the namespace's Pod Security labels. The "
            "settings "
            "are stored in the ConfigMap `cvm-cluster-settings` of the "
            "namespace "
            "so workspaces planned from other states read the same truth. "
            "Import "
            "with the namespace name.";
  // In the data source everything but the namespace is read from the cluster.
  // `read_back` describes the attribute as the data source reports it.
  auto setting = [data_source](Attribute a, Value default_value,
                               const char* read_back) {
    if (data_source) {
      a.computed = true;
      return a.DescribeMarkdown(read_back);
    }
    return a.Default(std::move(default_value));
  };
  s.block.attributes = {
      Attribute("id", Type::String())
          .Computed()
          .UseStateForUnknown()
          .Describe(data_source ? "The namespace."
                                : "The namespace (the import ID)."),
      Attribute("namespace", Type::String())
          .Required()
          .RequiresReplace()
          .Validate(IsDnsLabel())
          .Describe(data_source
                        ? "Namespace whose CVM settings to read."
                        : "Namespace whose CVM workspaces these settings "
                          "govern. Changing it replaces the resource."),
      setting(Attribute("manage_namespace", Type::Bool())
                  .DescribeMarkdown(
                      "Create the namespace if it is missing and label it "
                      "`pod-security.kubernetes.io/enforce` (and `warn`, "
                      "`audit`) with "
                      "`pod_security`. A namespace this resource did not "
                      "create is never "
                      "deleted; on destroy only its labels are removed."),
              Value::Bool(false),
              "Whether the settings resource manages the namespace and its Pod "
              "Security labels."),
      setting(Attribute("pod_security", Type::String())
                  .Validate(OneOf({"privileged", "baseline", "restricted"}))
                  .DescribeMarkdown(
                      "Pod Security level set on the namespace when "
                      "`manage_namespace` is true. envbox workspaces run "
                      "privileged "
                      "pods with hostPath mounts and need `privileged`."),
              Value::String("privileged"),
              "Pod Security level the settings resource sets on the namespace "
              "when it manages it."),
      setting(
          Attribute("caching", Type::Bool())
              .DescribeMarkdown(
                  "Cached CVMs use the node's container image cache: the outer "
                  "pod "
                  "also mounts the node runtime's `/var/run` (read-only) and "
                  "`/var/lib` (read-write). Needs shiftfs on the nodes."),
          Value::Bool(false),
          "Whether cached CVMs are on: workspaces use the node's image cache "
          "and also mount `/var/run` (read-only) and `/var/lib` (read-write)."),
      setting(
          Attribute("auto_load_shiftfs", Type::Bool())
              .DescribeMarkdown(
                  "Build and load the shiftfs kernel module from the workspace "
                  "pod "
                  "(only with `caching`): `/usr/src` and `/lib/modules` become "
                  "read-write. Needs kernel headers on the nodes and Secure "
                  "Boot off."),
          Value::Bool(false),
          "Whether workspaces build and load the shiftfs kernel module "
          "(`/usr/src` and `/lib/modules` read-write)."),
      setting(Attribute("gpu_vendor", Type::String())
                  .Validate(OneOf({"none", "nvidia"}, {{"amd", kAmdReason}}))
                  .DescribeMarkdown(
                      "`none` or `nvidia`. NVIDIA GPUs work only on bare-metal "
                      "clusters and not with `caching`; AMD GPUs are not "
                      "supported."),
              Value::String("none"),
              "`none` or `nvidia`: the GPU vendor workspaces may use."),
      setting(
          Attribute("docker_bridge_cidr", Type::String())
              .Validate(IsDockerBridgeCidr(30))
              .DescribeMarkdown(
                  "IPv4 network of the Docker bridge inside envbox, a /30 or "
                  "larger, outside 172.17.0.0/16."),
          Value::String(kDefaultBridgeCidr),
          "IPv4 network of the Docker bridge inside envbox."),
      setting(
          Attribute("tun", Type::Bool())
              .DescribeMarkdown("Default for workspaces: add a TUN device "
                                "(`/dev/net/tun`) to the "
                                "inner container."),
          Value::Bool(false),
          "Default for workspaces: a TUN device (`/dev/net/tun`) in the inner "
          "container."),
      setting(
          Attribute("fuse", Type::Bool())
              .DescribeMarkdown("Default for workspaces: add a FUSE device "
                                "(`/dev/fuse`) to the "
                                "inner container."),
          Value::Bool(false),
          "Default for workspaces: a FUSE device (`/dev/fuse`) in the inner "
          "container."),
      Attribute("host_path_mounts", Type::List(HostPathObjectType()))
          .Computed()
          .Nested(NestedObject::Nesting::kList, HostPathAttributes())
          .DescribeMarkdown(
              "Host paths every envbox workspace in the namespace mounts, "
              "derived "
              "from `caching` and `auto_load_shiftfs` (known at plan time)."),
      Attribute("kubernetes_version", Type::String())
          .Computed()
          .Describe("Version of the API server, e.g. v1.29.4."),
      Attribute("sysbox_ready_nodes", Type::Number())
          .Computed()
          .DescribeMarkdown(
              "Nodes labelled `sysbox-runtime=running` and not tainted "
              "`sysbox-runtime=not-running`."),
      Attribute("platform", Type::String())
          .Computed()
          .DescribeMarkdown(
              "`bare-metal`, or the cloud read from node `providerID`s "
              "(e.g. `aws`, `gce`, `azure`)."),
      Attribute("warnings", Type::List(Type::String()))
          .Computed()
          .Describe(
              "Problems found in the cluster that do not stop the settings "
              "from applying, e.g. SELinux-family node images."),
  };
  if (!data_source) {
    s.block.attributes.push_back(
        Attribute("force_destroy", Type::Bool())
            .Default(Value::Bool(false))
            .DescribeMarkdown(
                "Allow destroying the settings while workspaces in "
                "the namespace still use them."));
  }
  NestedBlock rc;
  rc.type_name = "runtime_class";
  rc.nesting = NestedBlock::Nesting::kSingle;
  rc.block.markdown_description =
      "The Sysbox RuntimeClass used by `sysbox`-mode workspaces.";
  rc.block.attributes = {
      setting(Attribute("name", Type::String())
                  .Validate(IsDnsSubdomain())
                  .Describe("RuntimeClass name."),
              Value::String(kDefaultRuntimeClass), "RuntimeClass name."),
      setting(Attribute("handler", Type::String())
                  .Validate(IsDnsLabel())
                  .DescribeMarkdown("CRI handler; must match the runtime name "
                                    "configured on the nodes (`sysbox-runc`)."),
              Value::String(kDefaultRuntimeClass),
              "CRI handler of the RuntimeClass."),
      setting(Attribute("node_selector", Type::Map(Type::String()))
                  .Validate(IsLabelMap())
                  .DescribeMarkdown("Nodes the RuntimeClass schedules onto."),
              Value::Map(Type::String(),
                         {{"sysbox-runtime", Value::String("running")}}),
              "Nodes the RuntimeClass schedules onto."),
      setting(
          Attribute("manage", Type::Bool())
              .DescribeMarkdown("Whether this resource owns the RuntimeClass "
                                "(creates, updates and, "
                                "if it created it, deletes it) or only checks "
                                "that it exists with "
                                "this handler."),
          Value::Bool(false),
          "Whether the settings resource owns the RuntimeClass or only checks "
          "it."),
  };
  s.block.block_types.push_back(std::move(rc));
  if (!data_source) {
    s.block.block_types.push_back(framework::TimeoutsBlock(
        {{"create", "5m", ""}, {"update", "5m", ""}, {"delete", "5m", ""}}));
  }
  return s;
}

const schema::Schema& ResourceSchema() {
  static const schema::Schema* s = new schema::Schema(BuildSchema(false));
  return *s;
}

const schema::Schema& DataSourceSchema() {
  static const schema::Schema* s = new schema::Schema(BuildSchema(true));
  return *s;
}

Value FactsValue(const ClusterFacts& facts, Value object) {
  object = object.WithAttr("kubernetes_version",
                           Value::String(facts.kubernetes_version));
  object = object.WithAttr("sysbox_ready_nodes",
                           Value::Int(facts.sysbox_ready_nodes));
  object = object.WithAttr("platform", Value::String(facts.platform));
  return object.WithAttr("warnings", framework::StringList(facts.warnings));
}

// `object` with only its unknown fact attributes filled from `facts`. A plan
// carries the facts read at plan time, so an update shows just what the
// configuration or the drift changes; apply keeps them (the next refresh
// brings newer ones without a diff).
Value FillUnknownFacts(const ClusterFacts& facts, Value object) {
  const Value all = FactsValue(facts, object);
  for (const char* key :
       {"kubernetes_version", "sysbox_ready_nodes", "platform", "warnings"}) {
    if (!Attr(object, key).IsKnown())
      object = object.WithAttr(key, Attr(all, key));
  }
  return object;
}

bool RuntimeClassIsDefault(const ClusterSettings& s) {
  ClusterSettings d;
  return s.runtime_class_name == d.runtime_class_name &&
         s.runtime_class_handler == d.runtime_class_handler &&
         s.runtime_class_node_selector == d.runtime_class_node_selector &&
         s.manage_runtime_class == d.manage_runtime_class;
}

// The settings attributes of `base` replaced by `s`.
Value WithSettings(const ClusterSettings& s, Value base,
                   bool keep_runtime_block) {
  base = base.WithAttr("id", Value::String(s.namespace_name));
  base = base.WithAttr("namespace", Value::String(s.namespace_name));
  base = base.WithAttr("manage_namespace", Value::Bool(s.manage_namespace));
  base = base.WithAttr("pod_security", Value::String(s.pod_security));
  base = base.WithAttr("caching", Value::Bool(s.caching));
  base = base.WithAttr("auto_load_shiftfs", Value::Bool(s.auto_load_shiftfs));
  base = base.WithAttr("gpu_vendor", Value::String(s.gpu_vendor));
  base =
      base.WithAttr("docker_bridge_cidr", Value::String(s.docker_bridge_cidr));
  base = base.WithAttr("tun", Value::Bool(s.tun));
  base = base.WithAttr("fuse", Value::Bool(s.fuse));
  base = base.WithAttr("host_path_mounts", HostPathsValue(s.HostPaths()));
  if (keep_runtime_block || !RuntimeClassIsDefault(s)) {
    base = base.WithAttr(
        "runtime_class",
        Value::Object({{"name", Value::String(s.runtime_class_name)},
                       {"handler", Value::String(s.runtime_class_handler)},
                       {"node_selector",
                        framework::StringMap(s.runtime_class_node_selector)},
                       {"manage", Value::Bool(s.manage_runtime_class)}}));
  }
  return base;
}

kube::ObjectRef NamespaceRef(const std::string& ns) {
  return {"v1", "Namespace", "", ns};
}
kube::ObjectRef ConfigMapRef(const std::string& ns) {
  return {"v1", "ConfigMap", ns, kSettingsConfigMapName};
}
kube::ObjectRef RuntimeClassRef(const std::string& name) {
  return {"node.k8s.io/v1", "RuntimeClass", "", name};
}

nlohmann::json NamespaceManifest(const ClusterSettings& s) {
  nlohmann::json labels = {{kPodSecurityEnforce, s.pod_security},
                           {kPodSecurityWarn, s.pod_security},
                           {kPodSecurityAudit, s.pod_security}};
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", s.namespace_name}, {"labels", labels}}}};
}

// An apply with only the name gives up every field our manager owned (here
// the Pod Security labels), leaving other managers' fields alone.
nlohmann::json BareNamespace(const std::string& ns) {
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", ns}}}};
}

nlohmann::json RuntimeClassManifest(const ClusterSettings& s) {
  nlohmann::json selector = nlohmann::json::object();
  for (const auto& [k, v] : s.runtime_class_node_selector) selector[k] = v;
  nlohmann::json rc = {{"apiVersion", "node.k8s.io/v1"},
                       {"kind", "RuntimeClass"},
                       {"metadata",
                        {{"name", s.runtime_class_name},
                         {"labels", ManagedLabels("cluster-settings")}}},
                       {"handler", s.runtime_class_handler}};
  if (!selector.empty()) rc["scheduling"] = {{"nodeSelector", selector}};
  return rc;
}

// What this resource created (so destroy removes only that), kept in the
// resource's private state.
struct Ownership {
  bool created_namespace = false;
  bool created_runtime_class = false;

  static Ownership Parse(const std::string& private_state) {
    Ownership o;
    nlohmann::json j = nlohmann::json::parse(private_state, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
      o.created_namespace = j.value("created_namespace", false);
      o.created_runtime_class = j.value("created_runtime_class", false);
    }
    return o;
  }
  std::string Serialize() const {
    return nlohmann::json{{"created_namespace", created_namespace},
                          {"created_runtime_class", created_runtime_class}}
        .dump();
  }
};

// The Pod Security level the namespace's labels give, as pod_security reads
// back: `applied` (the level in state) while the enforce, warn and audit
// labels all carry it; otherwise the first of them that differs (null when
// it is missing), so a hand edit of any of the three shows up as a change
// of pod_security.
Value PodSecurityFromLabels(const nlohmann::json& labels,
                            const std::string& applied) {
  for (const char* key :
       {kPodSecurityEnforce, kPodSecurityWarn, kPodSecurityAudit}) {
    const std::string level = StringAt(labels, {key});
    if (level.empty()) return Value::Null(Type::String());
    if (level != applied) return Value::String(level);
  }
  return Value::String(applied);
}

// Workspaces (by their label) that still have objects in `ns`.
absl::StatusOr<std::vector<std::string>> WorkspacesIn(
    kube::Client& client, const std::string& ns,
    const kube::RequestOptions& opts) {
  std::set<std::string> names;
  kube::ListOptions list;
  list.label_selector = absl::StrCat(kComponentLabel, "=workspace");
  list.page_size = 100;  // names only: one page of pods held at a time
  list.identity_only = true;
  list.on_item = [&names](nlohmann::json item) {
    const nlohmann::json& metadata = ObjectAt(item, "metadata");
    const nlohmann::json& labels = ObjectAt(metadata, "labels");
    const std::string workspace = StringAt(labels, {kWorkspaceLabel});
    names.insert(workspace.empty() ? StringAt(metadata, {"name"}) : workspace);
  };
  for (const char* kind : {"Pod", "PersistentVolumeClaim"}) {
    absl::StatusOr<kube::ListResult> items =
        client.List("v1", kind, ns, list, opts);
    if (!items.ok()) return items.status();
  }
  return std::vector<std::string>(names.begin(), names.end());
}

// True when a setting that shapes workspace pods differs between `prior` and
// `planned` (or is not known yet).
bool WorkspacesSeeChange(const Value& prior, const Value& planned) {
  for (const char* name :
       {"caching", "auto_load_shiftfs", "gpu_vendor", "docker_bridge_cidr",
        "tun", "fuse", "pod_security", "manage_namespace", "runtime_class"}) {
    if (!Attr(planned, name).IsWhollyKnown() ||
        !Attr(prior, name).EqualIgnoringRefinements(Attr(planned, name))) {
      return true;
    }
  }
  return false;
}

// Home claims kept after their workspace was destroyed
// (home.keep_on_destroy relabels them "retained-home"), by claim name.
absl::StatusOr<std::vector<std::string>> RetainedHomesIn(
    kube::Client& client, const std::string& ns,
    const kube::RequestOptions& opts) {
  std::vector<std::string> names;
  kube::ListOptions list;
  list.label_selector =
      absl::StrCat(kComponentLabel, "=", kRetainedHomeComponent);
  list.page_size = 100;
  list.identity_only = true;
  list.on_item = [&names](nlohmann::json item) {
    names.push_back(StringAt(ObjectAt(item, "metadata"), {"name"}));
  };
  absl::StatusOr<kube::ListResult> claims =
      client.List("v1", "PersistentVolumeClaim", ns, list, opts);
  if (!claims.ok()) return claims.status();
  return names;
}

class ClusterSettingsResource final : public framework::Resource {
 public:
  explicit ClusterSettingsResource(const CvmProvider* provider)
      : provider_(provider) {}

  std::string TypeName() const override { return kTypeName; }
  const schema::Schema& GetSchema() const override { return ResourceSchema(); }

  void ValidateConfig(const Value& config, Diagnostics* diags) override {
    const std::optional<bool> caching = BoolAttr(config, "caching");
    const std::optional<bool> shiftfs = BoolAttr(config, "auto_load_shiftfs");
    const std::optional<std::string> gpu = StringAttr(config, "gpu_vendor");
    if (shiftfs.value_or(false) && !Attr(config, "caching").IsUnknown() &&
        !caching.value_or(false)) {
      diags->AddAttributeError(
          Path::FromAttr("auto_load_shiftfs"),
          "auto_load_shiftfs Requires Caching",
          "shiftfs is only auto-loaded for cached CVMs (Coder's CVM matrix has "
          "auto-load as a sub-option of caching). Set caching = true, or "
          "remove "
          "auto_load_shiftfs.");
    }
    if (shiftfs.value_or(false) && caching.value_or(false)) {
      diags->AddAttributeWarning(
          Path::FromAttr("auto_load_shiftfs"), "Kernel Headers and Secure Boot",
          "Auto-loading shiftfs builds a kernel module on the node: the nodes "
          "need "
          "kernel headers under /usr/src and Secure Boot disabled.");
    }
    if (gpu == "nvidia" && caching.value_or(false)) {
      diags->AddAttributeError(
          Path::FromAttr("gpu_vendor"), "GPUs Are Not Supported With Caching",
          "GPUs are not supported with cached CVMs. Set caching = false or "
          "gpu_vendor = \"none\".");
    }
    const std::optional<std::string> level = StringAttr(config, "pod_security");
    if (BoolAttr(config, "manage_namespace").value_or(false) && level &&
        *level != "privileged") {
      diags->AddAttributeWarning(
          Path::FromAttr("pod_security"),
          "envbox Workspaces Need Privileged Pods",
          absl::StrCat(
              "Pod Security level \"", *level,
              "\" forbids privileged pods and hostPath volumes, so envbox "
              "workspaces in this namespace will be rejected; only "
              "sysbox-mode workspaces can run."));
    }
  }

  void ModifyPlan(const framework::PlanRequest& request,
                  framework::PlanResponse* response) override {
    Value planned = response->planned_state;
    const Value& config = request.config;
    // id stays unknown until the settings exist, so workspaces that
    // reference it (cluster_settings_id) plan from the reference instead of
    // reading settings that are not written yet.
    const std::optional<bool> caching = BoolAttr(planned, "caching");
    const std::optional<bool> shiftfs = BoolAttr(planned, "auto_load_shiftfs");
    if (caching && shiftfs) {
      planned =
          planned.WithAttr("host_path_mounts",
                           HostPathsValue(HostPathMounts(*caching, *shiftfs)));
    }
    if (!request.prior_state.IsNull() &&
        WorkspacesSeeChange(request.prior_state, planned)) {
      // Workspaces that reference the id (cluster_settings_id) then plan
      // from the reference and pick the new settings up in the same apply,
      // instead of planning against the ConfigMap that is about to change.
      planned = planned.WithAttr("id", Value::Unknown(Type::String()));
    }
    response->planned_state = planned;
    if (!config.IsWhollyKnown() || !provider_->HasConnection()) return;
    std::optional<ClusterFacts> facts = CheckCluster(
        SettingsFromValue(planned), !Attr(config, "runtime_class").IsNull(),
        Ownership::Parse(request.prior_private), &response->diagnostics);
    if (facts) {
      response->planned_state = FillUnknownFacts(*facts, planned);
    }
  }

  void Create(const framework::CreateRequest& request,
              framework::ApplyResponse* response) override {
    Ownership owned;
    ApplySettings(request.planned_state, "create", &owned, response);
  }

  void Update(const framework::UpdateRequest& request,
              framework::ApplyResponse* response) override {
    const ClusterSettings prior = SettingsFromValue(request.prior_state);
    const ClusterSettings next = SettingsFromValue(request.planned_state);
    Ownership owned = Ownership::Parse(request.planned_private);
    // A RuntimeClass we created under another name is deleted once the new
    // one exists. Stopping to manage the namespace or the RuntimeClass hands
    // it over: it stays on destroy.
    const bool drop_old_runtime_class =
        prior.manage_runtime_class && owned.created_runtime_class &&
        next.manage_runtime_class &&
        prior.runtime_class_name != next.runtime_class_name;
    if (drop_old_runtime_class || !next.manage_runtime_class) {
      owned.created_runtime_class = false;
    }
    if (!next.manage_namespace) owned.created_namespace = false;
    ApplySettings(request.planned_state, "update", &owned, response);
    if (response->diagnostics.HasError()) return;
    if (!drop_old_runtime_class &&
        !(prior.manage_namespace && !next.manage_namespace)) {
      return;
    }
    const char* summary = "Unable to Update Cluster Settings";
    Connection conn;
    if (!provider_->GetConnection(summary, &conn, &response->diagnostics))
      return;
    absl::Cleanup forget_reads = [&conn] { conn.reads->Invalidate(); };
    if (drop_old_runtime_class) {
      const absl::Time deadline =
          provider_->clock()->Now() +
          framework::TimeoutOf(request.planned_state, "update", kOperationTimeout);
      const kube::ObjectRef old = RuntimeClassRef(prior.runtime_class_name);
      absl::StatusOr<nlohmann::json> answer =
          conn.client->Delete(old, {}, {deadline, conn.cancel.get()});
      absl::Status st = answer.status();
      if (st.ok()) {
        st = conn.client->WaitForDeletion(old, deadline, conn.cancel.get(),
                                          *answer);
      }
      if (!st.ok() && !absl::IsNotFound(st)) {
        response->diagnostics.AddStatus(summary, st);
      }
    }
    // Stopping to manage the namespace gives its labels back.
    if (prior.manage_namespace && !next.manage_namespace) {
      ReleaseNamespaceLabels(conn, next.namespace_name, &response->diagnostics);
    }
  }

  void Read(const framework::ReadRequest& request,
            framework::ReadResponse* response) override {
    const char* summary = "Unable to Read Cluster Settings";
    Connection conn;
    if (!provider_->GetConnection(summary, &conn, &response->diagnostics)) {
      return;
    }
    const std::string ns =
        StringAttr(request.current_state, "namespace").value_or("");
    const kube::RequestOptions opts{provider_->clock()->Now() + kOperationTimeout,
                                    conn.cancel.get()};
    Value state = request.current_state;
    absl::StatusOr<nlohmann::json> namespace_object =
        conn.client->Get(NamespaceRef(ns), opts);
    if (absl::IsNotFound(namespace_object.status()) ||
        (namespace_object.ok() && Terminating(*namespace_object))) {
      // The namespace is gone (or going): so are the settings.
      response->new_state = Value::Null(ResourceSchema().ImpliedType());
      return;
    }
    if (!namespace_object.ok()) {
      response->diagnostics.AddStatus(summary, namespace_object.status());
      return;
    }
    absl::StatusOr<nlohmann::json> cm =
        conn.client->Get(ConfigMapRef(ns), opts);
    absl::StatusOr<ClusterSettings> stored = absl::NotFoundError("");
    if (cm.ok()) {
      stored = SettingsFromConfigMap(*cm);
      if (!stored.ok()) {
        response->diagnostics.AddAttributeWarning(
            Path::FromAttr("namespace"),
            "Cluster Settings Edited Outside Terraform",
            absl::StrCat(
                stored.status().message(),
                ". The next apply writes the configured settings again."));
      }
    } else if (!absl::IsNotFound(cm.status())) {
      response->diagnostics.AddStatus(summary, cm.status());
      return;
    }
    if (!stored.ok()) {
      // The ConfigMap was deleted (or mangled) by hand: the settings it held
      // read as unset, so the next plan shows them being written again.
      for (const char* key : {"caching", "auto_load_shiftfs", "gpu_vendor",
                              "docker_bridge_cidr", "tun", "fuse"}) {
        state = state.WithAttr(key, Value::Null(Attr(state, key).type()));
      }
    } else {
      ClusterSettings s = *stored;
      s.namespace_name = ns;
      const bool had_runtime_block = !Attr(state, "runtime_class").IsNull();
      state = WithSettings(s, state, had_runtime_block);
      state = state.WithAttr("force_destroy", Value::Bool(s.force_destroy));
    }
    const ClusterSettings s = SettingsFromValue(state);
    state = state.WithAttr("id", Value::String(ns));
    state = state.WithAttr("namespace", Value::String(ns));
    if (s.manage_namespace) {
      state = state.WithAttr(
          "pod_security",
          PodSecurityFromLabels(
              ObjectAt(ObjectAt(*namespace_object, "metadata"), "labels"),
              s.pod_security));
    }
    if (s.manage_runtime_class && !Attr(state, "runtime_class").IsNull()) {
      absl::StatusOr<nlohmann::json> rc =
          conn.client->Get(RuntimeClassRef(s.runtime_class_name), opts);
      Value block = Attr(state, "runtime_class");
      if (absl::IsNotFound(rc.status())) {
        // Deleted by hand: the plan shows the handler being set again.
        block = block.WithAttr("handler", Value::Null(Type::String()));
      } else if (!rc.ok()) {
        response->diagnostics.AddStatus(summary, rc.status());
        return;
      } else {
        block = block.WithAttr("handler",
                               Value::String(StringAt(*rc, {"handler"})));
        block = block.WithAttr(
            "node_selector",
            framework::StringMap(StringEntries(
                ObjectAt(ObjectAt(*rc, "scheduling"), "nodeSelector"))));
      }
      state = state.WithAttr("runtime_class", block);
    }
    absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn.client, opts);
    if (!facts.ok()) {
      response->diagnostics.AddStatus(summary, facts.status());
      return;
    }
    response->new_state = FactsValue(*facts, state);
  }

  void Delete(const framework::DeleteRequest& request,
              framework::DeleteResponse* response) override {
    Connection conn;
    if (!provider_->GetConnection("Unable to Delete Cluster Settings", &conn,
                                  &response->diagnostics)) {
      return;
    }
    // Workspaces planned or applied later in this process must not see the
    // settings as they were.
    absl::Cleanup forget_reads = [&conn] { conn.reads->Invalidate(); };
    std::vector<std::string> in_use;
    if (!CheckNoWorkspaces(request.prior_state, &response->diagnostics,
                           &in_use)) {
      return;
    }
    const ClusterSettings s = SettingsFromValue(request.prior_state);
    const Ownership owned = Ownership::Parse(request.private_state);
    const absl::Time deadline =
        provider_->clock()->Now() +
        framework::TimeoutOf(request.prior_state, "delete", kOperationTimeout);
    const kube::RequestOptions opts{deadline, conn.cancel.get()};
    auto remove = [&](const kube::ObjectRef& ref) -> bool {
      absl::StatusOr<nlohmann::json> answer =
          conn.client->Delete(ref, {}, opts);
      if (absl::IsNotFound(answer.status())) return true;
      if (!answer.ok()) {
        response->diagnostics.AddStatus("Unable to Delete Cluster Settings",
                                        answer.status());
        return false;
      }
      absl::Status st = conn.client->WaitForDeletion(
          ref, deadline, conn.cancel.get(), *answer);
      if (!st.ok()) {
        response->diagnostics.AddStatus("Unable to Delete Cluster Settings",
                                        st);
        return false;
      }
      return true;
    };
    if (!remove(ConfigMapRef(s.namespace_name))) return;
    if (s.manage_runtime_class && owned.created_runtime_class &&
        !remove(RuntimeClassRef(s.runtime_class_name))) {
      return;
    }
    if (s.manage_namespace && owned.created_namespace) {
      // Home volumes kept by destroyed workspaces (home.keep_on_destroy) do
      // not block the settings, but deleting the namespace would take them.
      absl::StatusOr<std::vector<std::string>> kept =
          RetainedHomesIn(*conn.client, s.namespace_name, opts);
      if (!kept.ok()) {
        response->diagnostics.AddStatus("Unable to Delete Cluster Settings",
                                        kept.status());
        return;
      }
      in_use.insert(in_use.end(), kept->begin(), kept->end());
    }
    if (s.manage_namespace) {
      if (owned.created_namespace && !in_use.empty()) {
        // force_destroy lets the settings go, never the workspaces' data.
        response->diagnostics.AddWarning(
            "Namespace Kept",
            absl::StrCat("Namespace ", s.namespace_name,
                         " was created by these settings but still holds "
                         "workspace data (",
                         absl::StrJoin(in_use, ", "),
                         "), so it was not deleted. Delete it by hand if that "
                         "is what you want."));
      } else if (owned.created_namespace) {
        remove(NamespaceRef(s.namespace_name));
      } else {
        ReleaseNamespaceLabels(conn, s.namespace_name, &response->diagnostics);
      }
    }
  }

  void ImportState(const framework::ImportRequest& request,
                   framework::ImportResponse* response) override {
    Value id = Value::String(request.id);
    if (!IsDnsLabel()(id).ok()) {
      response->diagnostics.AddError(
          "Invalid Import ID",
          absl::StrCat(
              "Import cvm_cluster_settings by namespace name, e.g. "
              "`terraform import cvm_cluster_settings.main workspaces`; got \"",
              request.id, "\"."));
      return;
    }
    // Only settings that exist can be imported; Read does the rest.
    Connection conn;
    if (!provider_->GetConnection("Unable to Import Cluster Settings", &conn,
                                  &response->diagnostics)) {
      return;
    }
    absl::StatusOr<nlohmann::json> cm =
        conn.client->Get(ConfigMapRef(request.id),
                         {provider_->clock()->Now() + kOperationTimeout, conn.cancel.get()});
    if (absl::IsNotFound(cm.status())) {
      response->diagnostics.AddError(
          "Cannot Import Cluster Settings",
          absl::StrCat(
              "Namespace ", request.id, " has no ", kSettingsConfigMapName,
              " ConfigMap, so there are no CVM settings to import. Apply a "
              "cvm_cluster_settings resource for it instead."));
      return;
    }
    if (!cm.ok()) {
      response->diagnostics.AddStatus("Unable to Import Cluster Settings",
                                      cm.status());
      return;
    }
    // Nothing was created by this resource: destroy keeps the namespace and
    // the RuntimeClass and only gives back what it applied.
    response->private_state = Ownership().Serialize();
    response->state = Value::Object({{"id", id}, {"namespace", id}});
  }

 private:
  // Plan-time checks that need the cluster. Adds diagnostics; never writes.
  // `sysbox_wanted`: the configuration has a runtime_class block, so a
  // missing RuntimeClass deserves a warning (envbox-only users need none).
  // Returns the facts it read, or nullopt (with an error) when it could not.
  std::optional<ClusterFacts> CheckCluster(const ClusterSettings& s,
                                           bool sysbox_wanted,
                                           const Ownership& owned,
                                           Diagnostics* diags) {
    Connection conn;
    if (!provider_->GetConnection("Unable to Check Cluster", &conn, diags))
      return std::nullopt;
    const kube::RequestOptions opts{provider_->clock()->Now() + kOperationTimeout,
                                    conn.cancel.get()};
    absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn.client, opts);
    if (!facts.ok()) {
      diags->AddStatus("Unable to Check Cluster", facts.status());
      return std::nullopt;
    }
    absl::StatusOr<nlohmann::json> rc =
        conn.client->Get(RuntimeClassRef(s.runtime_class_name), opts);
    if (!rc.ok() && !absl::IsNotFound(rc.status())) {
      diags->AddStatus("Unable to Check Cluster", rc.status());
      return std::nullopt;
    }
    CheckAgainstCluster(s, *facts, rc, sysbox_wanted,
                        owned.created_runtime_class, diags);
    return *std::move(facts);
  }

  // Adds an error and returns false while workspaces use the namespace and
  // force_destroy is off. `in_use` receives the workspaces found.
  bool CheckNoWorkspaces(const Value& prior, Diagnostics* diags,
                         std::vector<std::string>* in_use) {
    Connection conn;
    if (!provider_->GetConnection("Unable to Check Workspaces", &conn, diags)) {
      return false;
    }
    const std::string ns = StringAttr(prior, "namespace").value_or("");
    absl::StatusOr<std::vector<std::string>> workspaces = WorkspacesIn(
        *conn.client, ns, {provider_->clock()->Now() + kOperationTimeout, conn.cancel.get()});
    if (!workspaces.ok()) {
      diags->AddStatus("Unable to Check Workspaces", workspaces.status());
      return false;
    }
    *in_use = *workspaces;
    if (workspaces->empty() ||
        BoolAttr(prior, "force_destroy").value_or(false)) {
      return true;
    }
    diags->AddError(
        "Cluster Settings Still in Use",
        absl::StrCat("Namespace ", ns, " still has ", workspaces->size(),
                     " CVM workspace(s) using these settings: ",
                     absl::StrJoin(*workspaces, ", "),
                     ". Destroy them first, or set force_destroy = true."));
    return false;
  }

  void ReleaseNamespaceLabels(const Connection& conn, const std::string& ns,
                              Diagnostics* diags) {
    kube::ApplyOptions apply{conn.field_manager, conn.force_conflicts, false};
    absl::StatusOr<nlohmann::json> st = conn.client->Apply(
        BareNamespace(ns), apply,
        {provider_->clock()->Now() + kOperationTimeout, conn.cancel.get()});
    if (!st.ok() && !absl::IsNotFound(st.status())) {
      diags->AddStatus("Unable to Release Namespace Labels", st.status());
    }
  }

  // Applies the namespace labels, the RuntimeClass and the ConfigMap. By
  // default (force_conflicts) our objects are applied with force: a hand
  // edit (which makes kubectl co-own the field) must not stop the next apply
  // from restoring them. Only the fields in our manifests are touched; other
  // labels and annotations stay.
  // `operation`: "create" or "update", whose timeout bounds the writes.
  void ApplySettings(const Value& planned, const char* operation,
                     Ownership* owned, framework::ApplyResponse* response) {
    Diagnostics* diags = &response->diagnostics;
    const char* summary = "Unable to Apply Cluster Settings";
    Connection conn;
    if (!provider_->GetConnection(summary, &conn, diags)) {
      response->new_state = Value::Null(ResourceSchema().ImpliedType());
      return;
    }
    // Workspaces applied later in this process (those that reference these
    // settings) must see what is written here.
    absl::Cleanup forget_reads = [&conn] { conn.reads->Invalidate(); };
    ClusterSettings s = SettingsFromValue(planned);
    const absl::Time deadline =
        provider_->clock()->Now() +
        framework::TimeoutOf(planned, operation, kOperationTimeout);
    const kube::RequestOptions opts{deadline, conn.cancel.get()};
    const kube::ApplyOptions apply{conn.field_manager, conn.force_conflicts,
                                   false};
    bool wrote_anything = false;
    auto finish = [&]() {
      response->private_state = owned->Serialize();
      if (!diags->HasError()) return;
      if (!wrote_anything) {
        response->new_state = Value::Null(ResourceSchema().ImpliedType());
      } else {
        // Some objects exist: keep them in state so nothing is orphaned.
        response->new_state =
            response->new_state.WithAttr("id", Value::String(s.namespace_name));
      }
    };

    absl::StatusOr<nlohmann::json> ns =
        conn.client->Get(NamespaceRef(s.namespace_name), opts);
    if (absl::IsNotFound(ns.status()) && !s.manage_namespace) {
      diags->AddAttributeError(
          Path::FromAttr("namespace"), "Namespace Not Found",
          absl::StrCat(
              "Namespace ", s.namespace_name,
              " does not exist. Create it, or set manage_namespace = true."));
      return finish();
    }
    if (!ns.ok() && !absl::IsNotFound(ns.status())) {
      diags->AddStatus(summary, ns.status());
      return finish();
    }
    if (ns.ok() && Terminating(*ns)) {
      diags->AddAttributeError(
          Path::FromAttr("namespace"), "Namespace Is Being Deleted",
          absl::StrCat("Namespace ", s.namespace_name,
                       " is being deleted; apply again once it is gone."));
      return finish();
    }
    if (s.manage_namespace) {
      if (absl::IsNotFound(ns.status())) owned->created_namespace = true;
      absl::StatusOr<nlohmann::json> applied =
          conn.client->Apply(NamespaceManifest(s), apply, opts);
      if (!applied.ok()) {
        diags->AddStatus(summary, applied.status());
        return finish();
      }
      wrote_anything = true;
    }
    if (s.manage_runtime_class) {
      const kube::ObjectRef ref = RuntimeClassRef(s.runtime_class_name);
      absl::StatusOr<nlohmann::json> rc = conn.client->Get(ref, opts);
      if (rc.ok() && StringAt(*rc, {"handler"}) != s.runtime_class_handler) {
        // The handler is immutable: a RuntimeClass we created is replaced;
        // anyone else's is left alone (the plan already said so).
        if (!owned->created_runtime_class) {
          diags->AddAttributeError(
              Path::FromAttr("runtime_class").Attr("handler"),
              "RuntimeClass Handler Mismatch",
              absl::StrCat("RuntimeClass ", s.runtime_class_name,
                           " exists with handler \"",
                           StringAt(*rc, {"handler"}),
                           "\" and was not created by this resource; a "
                           "RuntimeClass handler cannot be changed."));
          return finish();
        }
        absl::StatusOr<nlohmann::json> answer =
            conn.client->Delete(ref, {}, opts);
        absl::Status st = answer.status();
        if (st.ok()) {
          st = conn.client->WaitForDeletion(ref, deadline, conn.cancel.get(),
                                            *answer);
        } else if (absl::IsNotFound(st)) {
          st = absl::OkStatus();
        }
        if (!st.ok()) {
          diags->AddStatus(summary, st);
          return finish();
        }
        rc = absl::NotFoundError("replaced");
      }
      if (absl::IsNotFound(rc.status())) owned->created_runtime_class = true;
      absl::StatusOr<nlohmann::json> applied =
          conn.client->Apply(RuntimeClassManifest(s), apply, opts);
      if (!applied.ok()) {
        diags->AddStatus(summary, applied.status());
        return finish();
      }
      wrote_anything = true;
    }
    response->new_state =
        response->new_state.WithAttr("id", Value::String(s.namespace_name))
            .WithAttr("host_path_mounts", HostPathsValue(s.HostPaths()));
    if (!response->new_state.IsWhollyKnown()) {  // facts not read at plan time
      absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn.client, opts);
      if (!facts.ok()) {
        diags->AddStatus(summary, facts.status());
        return finish();
      }
      response->new_state = FillUnknownFacts(*facts, response->new_state);
    }
    // Workspaces planned from other states read the platform here for the
    // GPU bare-metal rule, without listing nodes themselves.
    s.platform = StringAttr(response->new_state, "platform").value_or("");
    absl::StatusOr<nlohmann::json> cm =
        conn.client->Apply(SettingsConfigMap(s), apply, opts);
    if (!cm.ok()) {
      diags->AddStatus(summary, cm.status());
      return finish();
    }
    wrote_anything = true;
    finish();
  }

  const CvmProvider* provider_;
};

class ClusterSettingsDataSource final : public framework::DataSource {
 public:
  explicit ClusterSettingsDataSource(const CvmProvider* provider)
      : provider_(provider) {}
  std::string TypeName() const override { return kTypeName; }
  const schema::Schema& GetSchema() const override {
    return DataSourceSchema();
  }

  void Read(const framework::DataReadRequest& request,
            framework::DataReadResponse* response) override {
    Connection conn;
    if (!provider_->GetConnection("Unable to Read Cluster Settings", &conn,
                                  &response->diagnostics)) {
      return;
    }
    const std::string ns = StringAttr(request.config, "namespace").value_or("");
    const kube::RequestOptions opts{provider_->clock()->Now() + kOperationTimeout,
                                    conn.cancel.get()};
    absl::StatusOr<nlohmann::json> cm =
        conn.client->Get(ConfigMapRef(ns), opts);
    if (absl::IsNotFound(cm.status())) {
      response->diagnostics.AddAttributeError(
          Path::FromAttr("namespace"), "No Cluster Settings",
          absl::StrCat("Namespace ", ns, " has no ", kSettingsConfigMapName,
                       " ConfigMap: apply a cvm_cluster_settings resource for "
                       "it first."));
      return;
    }
    if (!cm.ok()) {
      response->diagnostics.AddStatus("Unable to Read Cluster Settings",
                                      cm.status());
      return;
    }
    absl::StatusOr<ClusterSettings> s = SettingsFromConfigMap(*cm);
    if (!s.ok()) {
      response->diagnostics.AddStatus("Unable to Read Cluster Settings",
                                      s.status());
      return;
    }
    s->namespace_name = ns;
    Value state = WithSettings(*s, request.config, /*keep_runtime_block=*/true);
    absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn.client, opts);
    if (!facts.ok()) {
      response->diagnostics.AddStatus("Unable to Read Cluster Settings",
                                      facts.status());
      return;
    }
    response->state = FactsValue(*facts, state);
  }

 private:
  const CvmProvider* provider_;
};

}  // namespace

void CheckAgainstCluster(const ClusterSettings& s, const ClusterFacts& facts,
                         const absl::StatusOr<nlohmann::json>& rc,
                         bool sysbox_wanted, bool owns_runtime_class,
                         Diagnostics* diags) {
  if (facts.major < 1 ||
      (facts.major == 1 && facts.minor < kMinKubernetesMinor)) {
    diags->AddError(
        "Kubernetes Version Not Supported",
        absl::StrCat("The cluster runs Kubernetes ", facts.kubernetes_version,
                     "; CVM workspaces need Kubernetes 1.18 or newer (Coder's "
                     "CVM requirement). Upgrade the cluster."));
  }
  if (s.gpu_vendor == "nvidia" && facts.platform != kBareMetal) {
    diags->AddAttributeError(
        Path::FromAttr("gpu_vendor"), "GPUs Need a Bare-Metal Cluster",
        absl::StrCat("NVIDIA GPUs in CVMs are supported on bare-metal clusters "
                     "only, and this cluster's nodes run on \"",
                     facts.platform,
                     "\" (from their providerID). Set gpu_vendor = "
                     "\"none\"."));
  }
  for (const std::string& w : facts.warnings) {
    diags->AddWarning("Cluster Check", w);
  }
  if (rc.ok()) {
    const std::string handler = StringAt(*rc, {"handler"});
    if (handler != s.runtime_class_handler &&
        !(s.manage_runtime_class && owns_runtime_class)) {
      diags->AddAttributeError(
          Path::FromAttr("runtime_class").Attr("handler"),
          "RuntimeClass Handler Mismatch",
          s.manage_runtime_class
              ? absl::StrCat("RuntimeClass ", s.runtime_class_name,
                             " exists with handler \"", handler, "\", not \"",
                             s.runtime_class_handler,
                             "\", and was not created by this resource; a "
                             "RuntimeClass handler cannot be changed. Set "
                             "runtime_class.handler = \"",
                             handler, "\", or use another runtime_class.name.")
              : absl::StrCat(
                    "RuntimeClass ", s.runtime_class_name,
                    " exists with handler \"", handler, "\", not \"",
                    s.runtime_class_handler,
                    "\": pods using it would not run under Sysbox. Set "
                    "runtime_class.handler to match the nodes' runtime, or "
                    "use another runtime_class.name."));
    }
  } else if (absl::IsNotFound(rc.status()) && !s.manage_runtime_class &&
             sysbox_wanted) {
    diags->AddAttributeWarning(
        Path::FromAttr("runtime_class"), "Sysbox RuntimeClass Missing",
        absl::StrCat("RuntimeClass ", s.runtime_class_name,
                     " does not exist: sysbox-mode workspaces will fail until "
                     "Sysbox is installed or runtime_class.manage = true."));
  }
}

ClusterSettings SettingsFromValue(const Value& o) {
  ClusterSettings s;
  s.namespace_name = StringAttr(o, "namespace").value_or("");
  s.manage_namespace =
      BoolAttr(o, "manage_namespace").value_or(s.manage_namespace);
  s.pod_security = StringAttr(o, "pod_security").value_or(s.pod_security);
  s.caching = BoolAttr(o, "caching").value_or(s.caching);
  s.auto_load_shiftfs =
      BoolAttr(o, "auto_load_shiftfs").value_or(s.auto_load_shiftfs);
  s.gpu_vendor = StringAttr(o, "gpu_vendor").value_or(s.gpu_vendor);
  s.docker_bridge_cidr =
      StringAttr(o, "docker_bridge_cidr").value_or(s.docker_bridge_cidr);
  s.tun = BoolAttr(o, "tun").value_or(s.tun);
  s.fuse = BoolAttr(o, "fuse").value_or(s.fuse);
  s.force_destroy = BoolAttr(o, "force_destroy").value_or(s.force_destroy);
  const Value& rc = Attr(o, "runtime_class");
  if (rc.IsKnown()) {
    s.runtime_class_name =
        StringAttr(rc, "name").value_or(s.runtime_class_name);
    s.runtime_class_handler =
        StringAttr(rc, "handler").value_or(s.runtime_class_handler);
    if (auto sel = framework::StringMapAttr(rc, "node_selector")) {
      s.runtime_class_node_selector = *sel;
    }
    s.manage_runtime_class =
        BoolAttr(rc, "manage").value_or(s.manage_runtime_class);
  }
  return s;
}

std::unique_ptr<framework::Resource> NewClusterSettingsResource(
    const CvmProvider* provider) {
  return std::make_unique<ClusterSettingsResource>(provider);
}

std::unique_ptr<framework::DataSource> NewClusterSettingsDataSource(
    const CvmProvider* provider) {
  return std::make_unique<ClusterSettingsDataSource>(provider);
}

}  // namespace cvm::resources
