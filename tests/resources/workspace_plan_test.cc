// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The plan of cvm_workspace (workspace_plan.cc): through
// framework::Server::PlanResourceChange against a FakeApiServer, and its
// pure helpers directly.

#include <map>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_probe.h"
#include "provider/resources/host_paths.h"
#include "provider/resources/settings.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_model.h"
#include "provider/values/path.h"
#include "tests/resources/workspace_test_env.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::StringAttr;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using values::Path;
using values::Type;
using values::Value;
using workspace_internal::ChangedArguments;
using workspace_internal::PlanLiveAttributes;

class WorkspacePlanTest : public WorkspaceTest {};

TEST_F(WorkspacePlanTest, ACreateShowsNamesAndTokenHashAndLeavesSettingsToApply) {
  const framework::Server::PlanResult plan = PlanCreate(WorkspaceConfig());
  ASSERT_THAT(plan.diagnostics.items(), IsEmpty())
      << Describe(plan.diagnostics);
  const Value& p = plan.planned_state;
  EXPECT_EQ(StringAttr(p, "id"), "coder/dev");
  EXPECT_EQ(StringAttr(p, "pod_name"), "dev");
  EXPECT_EQ(StringAttr(p, "home_claim_name"), "dev-home");
  EXPECT_EQ(StringAttr(p, "secret_name"), "dev-agent");
  EXPECT_EQ(StringAttr(p, "agent_token_sha256"), Sha256Hex(kWorkspaceToken));
  EXPECT_EQ(StringAttr(p, "inner_hostname"), "dev");
  // What the namespace's settings decide is known after apply: the
  // settings may change before a saved plan is applied.
  for (const char* name :
       {"tun", "fuse", "host_path_mounts", "pod_spec_hash"}) {
    EXPECT_TRUE(Attr(p, name).IsUnknown()) << name;
  }
  // A new pod: no node and phase yet.
  EXPECT_TRUE(Attr(p, "node_name").IsUnknown());
  EXPECT_TRUE(Attr(p, "phase").IsUnknown());
}

// Terraform plans again during apply and fails with "Provider produced
// inconsistent final plan" when a value the first plan knew differs.
TEST_F(WorkspacePlanTest, ASavedCreatePlanSurvivesTheSettingsChanging) {
  const Value config = WorkspaceConfig();
  const framework::Server::PlanResult plan = PlanCreate(config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  env_.api->Put(SettingsObject({{"caching", "true"}, {"tun", "true"}}));
  const framework::Server::PlanResult again = PlanCreate(config);
  ASSERT_FALSE(again.diagnostics.HasError()) << Describe(again.diagnostics);
  EXPECT_EQ(again.planned_state, plan.planned_state);
  const framework::Server::ApplyResult applied =
      Apply(NullWorkspace(), again.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError())
      << Describe(applied.diagnostics);
  EXPECT_EQ(BoolAttr(applied.new_state, "tun"), true);
  EXPECT_EQ(Attr(applied.new_state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(true, false)));
}

// An update plans from the settings the last refresh (or apply) read, so
// planning again during apply gives the same plan; apply then refuses to
// render from settings that changed since, and asks for a new plan.
TEST_F(WorkspacePlanTest, AnUpdatePlansFromTheSettingsOfTheLastRefresh) {
  const Value state = Create(WorkspaceConfig());
  const Value config =
      WorkspaceConfig({{"env", framework::StringMap({{"A", "1"}})}});
  const framework::Server::PlanResult plan = PlanUpdate(state, config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_EQ(Attr(plan.planned_state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(false, false)));
  env_.api->Put(SettingsObject({{"caching", "true"}}));
  const framework::Server::PlanResult again = PlanUpdate(state, config);
  EXPECT_EQ(again.planned_state, plan.planned_state);
  const framework::Server::ApplyResult applied =
      Apply(state, again.planned_state, config);
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_THAT(Describe(applied.diagnostics),
              HasSubstr("changed between plan and apply"));
  EXPECT_THAT(Describe(applied.diagnostics),
              Not(HasSubstr("inconsistent")));
  // A refresh reads the new settings; the next plan shows what they change.
  const framework::Server::ReadResult read = Read(state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  const framework::Server::PlanResult replanned =
      PlanUpdate(read.new_state, config);
  ASSERT_FALSE(replanned.diagnostics.HasError())
      << Describe(replanned.diagnostics);
  EXPECT_EQ(Attr(replanned.planned_state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(true, false)));
  EXPECT_FALSE(Apply(read.new_state, replanned.planned_state, config)
                   .diagnostics.HasError());
}

TEST_F(WorkspacePlanTest, AnUnknownTokenLeavesItsHashSecretAndPodHashUnknown) {
  const framework::Server::PlanResult plan = PlanCreate(
      WorkspaceConfig({{"agent_token", Value::Unknown(Type::String())}}));
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_TRUE(Attr(plan.planned_state, "agent_token_sha256").IsUnknown());
  EXPECT_TRUE(Attr(plan.planned_state, "secret_name").IsUnknown());
  EXPECT_TRUE(Attr(plan.planned_state, "pod_spec_hash").IsUnknown());
}

TEST_F(WorkspacePlanTest, WithoutATokenThereIsNoSecret) {
  const framework::Server::PlanResult plan = PlanCreate(
      WorkspaceConfig({{"agent_token", Value::Null(Type::String())}}));
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_TRUE(Attr(plan.planned_state, "agent_token_sha256").IsNull());
  EXPECT_TRUE(Attr(plan.planned_state, "secret_name").IsNull());
}

// cluster_settings_id unknown: the settings are created in the same apply,
// so the plan reads nothing and leaves what they decide unknown.
TEST_F(WorkspacePlanTest, SettingsCreatedInTheSameApplyAreNotRead) {
  NewRequests();
  const framework::Server::PlanResult plan = PlanCreate(WorkspaceConfig(
      {{"cluster_settings_id", Value::Unknown(Type::String())}}));
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_THAT(NewRequests(), IsEmpty());
  for (const char* name :
       {"tun", "fuse", "host_path_mounts", "pod_spec_hash"}) {
    EXPECT_TRUE(Attr(plan.planned_state, name).IsUnknown()) << name;
  }
}

// `terraform apply` of a settings change and a workspace that references
// the settings: the first plan leaves what they decide unknown (their id is
// unknown); the plan during apply, after the settings were written by this
// process, plans from them.
TEST_F(WorkspacePlanTest, SettingsThisProcessWroteArePlannedFrom) {
  const Value config =
      WorkspaceConfig({{"cluster_settings_id", Value::String("coder")}});
  const Value state = Create(config);
  const schema::Block& settings_block =
      env_.server.ResourceSchema("cvm_cluster_settings")->block;
  const Value settings = schema::Conform(
      settings_block, Value::Object({{"namespace", Value::String("coder")},
                                     {"caching", Value::Bool(true)}}));
  const framework::Server::PlanResult settings_plan =
      env_.server.PlanResourceChange("cvm_cluster_settings",
                                     Value::Null(settings_block.ImpliedType()),
                                     settings, settings, "");
  ASSERT_FALSE(settings_plan.diagnostics.HasError())
      << Describe(settings_plan.diagnostics);
  ASSERT_FALSE(env_.server
                   .ApplyResourceChange(
                       "cvm_cluster_settings",
                       Value::Null(settings_block.ImpliedType()),
                       settings_plan.planned_state, settings, "")
                   .diagnostics.HasError());
  const framework::Server::PlanResult plan = PlanUpdate(state, config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_EQ(Attr(plan.planned_state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(true, false)));
  EXPECT_FALSE(Apply(state, plan.planned_state, config).diagnostics.HasError());
}

TEST_F(WorkspacePlanTest, TheNamespacesSettingsDecideTheDevices) {
  const Value state = Create(WorkspaceConfig());
  EXPECT_EQ(BoolAttr(state, "tun"), false);
  env_.api->Put(SettingsObject({{"tun", "true"}}));
  const framework::Server::ReadResult read = Read(state);
  const framework::Server::PlanResult plan =
      PlanUpdate(read.new_state, WorkspaceConfig());
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_EQ(BoolAttr(plan.planned_state, "tun"), true);
  EXPECT_EQ(BoolAttr(plan.planned_state, "fuse"), false);
}

TEST_F(WorkspacePlanTest, UnreadableSettingsFailThePlan) {
  env_.api->PushReply("GET", kSettingsPath,
                      testing::Reply::Status(403, "Forbidden", "no access"));
  const framework::Server::PlanResult plan = PlanCreate(WorkspaceConfig());
  const framework::Diagnostic* d =
      FindDiagnostic(plan.diagnostics, "Unable to Read Cluster Settings");
  ASSERT_NE(d, nullptr) << Describe(plan.diagnostics);
  EXPECT_THAT(d->detail, HasSubstr("no access"));
}

TEST_F(WorkspacePlanTest, TheHomeVolumeCannotShrink) {
  const Value state = Create(WorkspaceConfig(
      {{"home", Value::Object({{"size", Value::String("60Gi")}})}}));
  const framework::Server::PlanResult plan = PlanUpdate(
      state, WorkspaceConfig(
                 {{"home", Value::Object({{"size", Value::String("50Gi")}})}}));
  const framework::Diagnostic* d =
      FindDiagnostic(plan.diagnostics, "Home Volume Cannot Shrink");
  ASSERT_NE(d, nullptr) << Describe(plan.diagnostics);
  EXPECT_EQ(d->path, Path::FromAttr("home").Attr("size"));
  EXPECT_THAT(d->detail, HasSubstr("home.size is 60Gi and cannot become 50Gi"));
}

// A new workspace whose home claim exists: the plan says it is adopted,
// and why the claim is there.
TEST_F(WorkspacePlanTest, AnExistingHomeClaimIsAdopted) {
  struct Case {
    std::map<std::string, std::string> labels;
    std::string why;
  };
  for (const Case& c :
       std::vector<Case>{{{{kManagedByLabel, kManagedByValue}},
                          "probably left by an apply that was interrupted"},
                         {{{kManagedByLabel, kManagedByValue},
                           {kComponentLabel, kRetainedHomeComponent}},
                          "kept (home.keep_on_destroy)"}}) {
    env_.api->Put({{"apiVersion", "v1"},
                   {"kind", "PersistentVolumeClaim"},
                   {"metadata",
                    {{"name", "dev-home"},
                     {"namespace", "coder"},
                     {"labels", c.labels}}}});
    const framework::Server::PlanResult plan = PlanCreate(WorkspaceConfig());
    const framework::Diagnostic* d = FindDiagnostic(
        plan.diagnostics, "Workspace Objects Exist and Will Be Adopted");
    ASSERT_NE(d, nullptr) << Describe(plan.diagnostics);
    EXPECT_THAT(d->detail, HasSubstr(c.why));
  }
}

TEST_F(WorkspacePlanTest, GpuRulesFollowTheNamespacesSettings) {
  struct Case {
    std::map<std::string, std::string> settings;
    std::string summary;
  };
  for (const Case& c :
       std::vector<Case>{{{{"gpu_vendor", "nvidia"}, {"caching", "true"}},
                          "GPUs Are Not Supported With Caching"},
                         {{}, "GPUs Not Enabled for the Namespace"},
                         {{{"gpu_vendor", "nvidia"}, {"platform", "eks"}},
                          "GPUs Need a Bare-Metal Cluster"}}) {
    env_.api->Put(SettingsObject(c.settings));
    const framework::Server::PlanResult plan = PlanCreate(
        WorkspaceConfig({{"gpu", Value::Object({{"count", Value::Int(1)}})}}));
    const framework::Diagnostic* d =
        FindDiagnostic(plan.diagnostics, c.summary);
    ASSERT_NE(d, nullptr) << c.summary << "\n" << Describe(plan.diagnostics);
    EXPECT_EQ(d->path, Path::FromAttr("gpu"));
  }
  env_.api->Put(SettingsObject(
      {{"gpu_vendor", "nvidia"}, {"platform", std::string(kBareMetal)}}));
  const framework::Server::PlanResult plan = PlanCreate(
      WorkspaceConfig({{"gpu", Value::Object({{"count", Value::Int(1)}})}}));
  EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
}

// The namespace may be created in the same apply by another resource
// (hashicorp/kubernetes' kubernetes_namespace): the plan warns, and apply
// fails clearly if it still does not exist.
TEST_F(WorkspacePlanTest, ANamespaceThatDoesNotExistYetPlansWithAWarning) {
  env_.api->Erase("/api/v1/namespaces/coder");
  const Value config = WorkspaceConfig();
  const framework::Server::PlanResult plan = PlanCreate(config);
  EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  const framework::Diagnostic* d =
      FindDiagnostic(plan.diagnostics, "Namespace Does Not Exist Yet");
  ASSERT_NE(d, nullptr) << Describe(plan.diagnostics);
  EXPECT_EQ(d->path, Path::FromAttr("namespace"));
  EXPECT_THAT(d->detail, HasSubstr("depends_on"));

  env_.api->PushReply(
      "PATCH", "/api/v1/namespaces/coder/",
      testing::Reply::Status(404, "NotFound", "namespaces \"coder\" not found"));
  const framework::Server::ApplyResult applied =
      Apply(NullWorkspace(), plan.planned_state, config);
  const framework::Diagnostic* e =
      FindDiagnostic(applied.diagnostics, "Namespace Not Found");
  ASSERT_NE(e, nullptr) << Describe(applied.diagnostics);
  EXPECT_EQ(e->path, Path::FromAttr("namespace"));
  EXPECT_TRUE(applied.new_state.IsNull());
}

TEST_F(WorkspacePlanTest, TheNamespacesPodSecurityMustAllowTheMode) {
  env_.api->Put(NamespaceObject("coder", {{kPodSecurityEnforce, "baseline"}}));
  framework::Server::PlanResult plan = PlanCreate(WorkspaceConfig());
  EXPECT_NE(
      FindDiagnostic(plan.diagnostics, "Namespace Forbids Privileged Pods"),
      nullptr)
      << Describe(plan.diagnostics);

  env_.api->Put({{"apiVersion", "node.k8s.io/v1"},
                 {"kind", "RuntimeClass"},
                 {"metadata", {{"name", kDefaultRuntimeClass}}}});
  const Value sysbox = WorkspaceConfig({{"mode", Value::String("sysbox")}});
  plan = PlanCreate(sysbox);
  EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);

  env_.api->Put(
      NamespaceObject("coder", {{kPodSecurityEnforce, "restricted"}}));
  plan = PlanCreate(sysbox);
  EXPECT_NE(FindDiagnostic(plan.diagnostics, "Namespace Forbids Root Pods"),
            nullptr)
      << Describe(plan.diagnostics);
}

TEST_F(WorkspacePlanTest, SysboxNeedsTheRuntimeClassOfTheSettings) {
  const framework::Server::PlanResult plan =
      PlanCreate(WorkspaceConfig({{"mode", Value::String("sysbox")}}));
  const framework::Diagnostic* d =
      FindDiagnostic(plan.diagnostics, "Sysbox RuntimeClass Missing");
  ASSERT_NE(d, nullptr) << Describe(plan.diagnostics);
  EXPECT_EQ(d->path, Path::FromAttr("mode"));
  EXPECT_THAT(d->detail, HasSubstr(kDefaultRuntimeClass));
}

// Settings that manage the namespace know its Pod Security level: the
// plan does not read the Namespace.
TEST_F(WorkspacePlanTest, ManagedNamespaceSettingsSpareTheNamespaceRead) {
  env_.api->Put(SettingsObject(
      {{"manage_namespace", "true"}, {"pod_security", "privileged"}}));
  NewRequests();
  const framework::Server::PlanResult plan = PlanCreate(WorkspaceConfig());
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_THAT(NewRequests(),
              Not(Contains(std::string("GET /api/v1/namespaces/coder"))));
}

TEST_F(WorkspacePlanTest, AnUnchangedWorkspacePlansNoChange) {
  const Value state = Create(WorkspaceConfig());
  const framework::Server::PlanResult plan =
      PlanUpdate(state, WorkspaceConfig());
  ASSERT_THAT(plan.diagnostics.items(), IsEmpty())
      << Describe(plan.diagnostics);
  EXPECT_TRUE(plan.planned_state.EqualIgnoringRefinements(state))
      << plan.planned_state.DebugString() << "\n"
      << state.DebugString();
}

TEST_F(WorkspacePlanTest, AChangeToARunningPodWarnsOfItsRecreation) {
  const Value state = Create(WorkspaceConfig());
  const framework::Server::PlanResult plan = PlanUpdate(
      state, WorkspaceConfig({{"env", framework::StringMap({{"A", "1"}})}}));
  const framework::Diagnostic* d =
      FindDiagnostic(plan.diagnostics, "Workspace Pod Will Be Recreated");
  ASSERT_NE(d, nullptr) << Describe(plan.diagnostics);
  EXPECT_THAT(d->detail, HasSubstr("changes of: env."));
  EXPECT_TRUE(Attr(plan.planned_state, "node_name").IsUnknown());
  EXPECT_TRUE(Attr(plan.planned_state, "phase").IsUnknown());
}

TEST_F(WorkspacePlanTest, StoppingPlansNoNodeAndPhaseStopped) {
  const Value state = Create(WorkspaceConfig());
  const framework::Server::PlanResult plan =
      PlanUpdate(state, WorkspaceConfig({{"running", Value::Bool(false)}}));
  ASSERT_THAT(plan.diagnostics.items(), IsEmpty())
      << Describe(plan.diagnostics);
  EXPECT_EQ(StringAttr(plan.planned_state, "node_name"), "");
  EXPECT_EQ(StringAttr(plan.planned_state, "phase"), "Stopped");
}

TEST_F(WorkspacePlanTest, SettingsChangingInTheSameApplyMayRecreateThePod) {
  const Value state = Create(WorkspaceConfig());
  const framework::Server::PlanResult plan = PlanUpdate(
      state, WorkspaceConfig(
                 {{"cluster_settings_id", Value::Unknown(Type::String())}}));
  EXPECT_NE(FindDiagnostic(plan.diagnostics, "Workspace Pod May Be Recreated"),
            nullptr)
      << Describe(plan.diagnostics);
}

TEST(SettingsPrivateTest, RoundTripsForItsNamespaceOnly) {
  workspace_internal::LoadedSettings loaded;
  loaded.settings.namespace_name = "coder";
  loaded.settings.caching = true;
  loaded.settings.platform = "aws";
  loaded.stored = true;
  const std::string text =
      workspace_internal::SettingsToPrivate("coder", loaded);
  const std::optional<workspace_internal::LoadedSettings> back =
      workspace_internal::SettingsFromPrivate(text, "coder");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->settings, loaded.settings);
  EXPECT_TRUE(back->stored);
  EXPECT_EQ(back->platform, "aws");
  EXPECT_FALSE(workspace_internal::SettingsFromPrivate(text, "other"));
  EXPECT_FALSE(workspace_internal::SettingsFromPrivate("", "coder"));
  EXPECT_FALSE(workspace_internal::SettingsFromPrivate("{not json", "coder"));

  workspace_internal::LoadedSettings defaults;
  defaults.settings.namespace_name = "coder";
  const std::optional<workspace_internal::LoadedSettings> none =
      workspace_internal::SettingsFromPrivate(
          workspace_internal::SettingsToPrivate("coder", defaults), "coder");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->stored);
  EXPECT_EQ(none->settings, defaults.settings);
}

// A state as apply leaves it: running pod on "node-1", phase `phase`.
Value RunningState(const std::string& phase = "Running") {
  return WorkspaceConfig()
      .WithAttr("running", Value::Bool(true))
      .WithAttr("pod_spec_hash", Value::String("aaaa"))
      .WithAttr("node_name", Value::String("node-1"))
      .WithAttr("phase", Value::String(phase));
}

TEST(PlanLiveAttributesTest, ANewPodHasNoNodeOrPhaseYet) {
  const Value planned = PlanLiveAttributes(NullWorkspace(), RunningState());
  EXPECT_TRUE(Attr(planned, "node_name").IsUnknown());
  EXPECT_TRUE(Attr(planned, "phase").IsUnknown());
}

TEST(PlanLiveAttributesTest, AStoppedWorkspaceHasNoNodeAndPhaseStopped) {
  const Value planned = PlanLiveAttributes(
      RunningState(), RunningState().WithAttr("running", Value::Bool(false)));
  EXPECT_EQ(StringAttr(planned, "node_name"), "");
  EXPECT_EQ(StringAttr(planned, "phase"), "Stopped");
}

TEST(PlanLiveAttributesTest, AChangedHashMeansANewPod) {
  const Value planned = PlanLiveAttributes(
      RunningState(),
      RunningState().WithAttr("pod_spec_hash", Value::String("bbbb")));
  EXPECT_TRUE(Attr(planned, "node_name").IsUnknown());
  EXPECT_TRUE(Attr(planned, "phase").IsUnknown());
}

TEST(PlanLiveAttributesTest, APodThatStaysKeepsItsNode) {
  const Value labelled =
      RunningState().WithAttr("labels", framework::StringMap({{"a", "b"}}));
  Value planned = PlanLiveAttributes(RunningState(), labelled);
  EXPECT_EQ(StringAttr(planned, "node_name"), "node-1");
  EXPECT_EQ(StringAttr(planned, "phase"), "Running");
  // An apply that runs waits for a pod still starting to change phase.
  planned = PlanLiveAttributes(RunningState("Pending"),
                               labelled.WithAttr("phase", Value::String("x")));
  EXPECT_EQ(StringAttr(planned, "node_name"), "node-1");
  EXPECT_TRUE(Attr(planned, "phase").IsUnknown());
}

// No apply runs when nothing else changes, so a pod still starting keeps
// the phase last read.
TEST(PlanLiveAttributesTest, NoOtherChangeKeepsThePriorValues) {
  const Value prior = RunningState("Pending");
  const Value planned = PlanLiveAttributes(
      prior, prior.WithAttr("phase", Value::Unknown(Type::String())));
  EXPECT_EQ(StringAttr(planned, "phase"), "Pending");
  EXPECT_TRUE(planned.EqualIgnoringRefinements(prior));
}

TEST(ChangedArgumentsTest, NamesWhatReachesThePod) {
  const Value prior = RunningState();
  EXPECT_EQ(ChangedArguments(prior, prior), "the pod specification");
  EXPECT_EQ(ChangedArguments(
                prior, prior.WithAttr("running", Value::Bool(false))
                           .WithAttr("wait_for_ready", Value::Bool(false))),
            "the pod specification");
  EXPECT_EQ(
      ChangedArguments(
          prior,
          prior.WithAttr("env", framework::StringMap({{"A", "1"}}))
              .WithAttr("agent_token_sha256", Value::String("new"))
              .WithAttr("cpu",
                        Value::Object({{"request", Value::Null(Type::String())},
                                       {"limit", Value::String("4")}}))),
      "env, cpu, agent_token");
  EXPECT_EQ(
      ChangedArguments(prior, prior.WithAttr("host_path_mounts",
                                             HostPathsValue(HostPathMounts(
                                                 /*caching=*/true, false)))),
      "host_path_mounts (from the namespace's cluster settings)");
}

}  // namespace
}  // namespace cvm::resources
