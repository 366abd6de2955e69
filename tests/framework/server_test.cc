// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/server.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_provider.h"
#include "tests/testing/printers.h"
#include "tests/testing/status_matchers.h"

namespace cvm::framework {
namespace {

using ::cvm::testing::StatusIs;
using schema::Attribute;
using schema::NestedBlock;
using ::testing::ElementsAre;
using testing::FakeDataSource;
using testing::FakeProvider;
using testing::FakeResource;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using values::Path;
using values::Type;
using values::Value;

Value S(const char* s) { return Value::String(s); }
Value NullS() { return Value::Null(Type::String()); }
Value UnkS() { return Value::Unknown(Type::String()); }

constexpr Diagnostic::Severity kError = Diagnostic::Severity::kError;
constexpr Diagnostic::Severity kWarning = Diagnostic::Severity::kWarning;

MATCHER_P2(Diag, severity, summary, "") {
  *result_listener << "is " << ::testing::PrintToString(arg);
  return arg.severity == severity && arg.summary == summary;
}
MATCHER_P3(DiagAt, severity, path, detail_substr, "") {
  *result_listener << "is " << ::testing::PrintToString(arg);
  return arg.severity == severity && arg.path == std::optional<Path>(path) &&
         arg.detail.find(detail_substr) != std::string::npos;
}

absl::Status NotBad(const Value& v) {
  if (v.AsString() == "bad") {
    return absl::InvalidArgumentError("\"bad\" is not a valid name");
  }
  return absl::OkStatus();
}

schema::Schema ResourceSchema() {
  schema::Schema s;
  s.version = 2;
  s.block.attributes = {
      Attribute("id", Type::String()).Computed().UseStateForUnknown(),
      Attribute("name", Type::String()).Required().Validate(NotBad),
      Attribute("old", Type::String()).Optional().Deprecated("Use name."),
      Attribute("secret", Type::String()).Optional().WriteOnly(),
      Attribute("status", Type::String()).Computed(),
      Attribute("zone", Type::String()).Optional().RequiresReplace(),
  };
  s.block.block_types = {testing::PortRuleBlock()};
  return s;
}

schema::Schema ProviderSchema() {
  schema::Schema s;
  s.block.attributes = {
      Attribute("endpoint", Type::String()).Optional().Validate(NotBad),
      Attribute("legacy", Type::Bool()).Optional().Deprecated("Drop it.")};
  return s;
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest()
      : resource_("cvm_fake", ResourceSchema()),
        other_("cvm_other", ResourceSchema()),
        data_("cvm_info", testing::NameValueDataSchema()) {
    provider_.schema = ProviderSchema();
    provider_.resources = {&resource_, &other_};
    provider_.data_sources = {&data_};
  }

  const schema::Block& block() const { return resource_.GetSchema().block; }
  Type type() const { return block().ImpliedType(); }
  Value Null() const { return Value::Null(type()); }
  // An object of the resource type with `set` applied over nulls.
  Value Obj(const std::map<std::string, Value>& set) const {
    Value v = schema::EmptyObject(block());
    for (const auto& [k, e] : set) v = v.WithAttr(k, e);
    return v;
  }
  Value Rules(std::vector<int64_t> ports) const {
    std::vector<Value> elems;
    for (int64_t p : ports) {
      elems.push_back(Value::Object({{"port", Value::Int(p)}}));
    }
    return Value::List(block().FindBlock("rule")->block.ImpliedType(),
                       std::move(elems));
  }
  Value State() const {
    return Obj({{"id", S("i-1")}, {"name", S("dev")}, {"status", S("ok")}});
  }

  FakeProvider provider_;
  FakeResource resource_;
  FakeResource other_;
  FakeDataSource data_;
};

TEST_F(ServerTest, Schemas) {
  Server server(&provider_);
  EXPECT_TRUE(server.schema_status().ok());
  EXPECT_EQ(&server.ProviderSchema(), &provider_.schema);
  EXPECT_EQ(server.ResourceSchema("cvm_fake"), &resource_.GetSchema());
  EXPECT_EQ(server.ResourceSchema("cvm_info"), nullptr);
  EXPECT_EQ(server.DataSourceSchema("cvm_info"), &data_.GetSchema());
  EXPECT_EQ(server.DataSourceSchema("cvm_fake"), nullptr);
  EXPECT_EQ(server.resources().size(), 2u);
  EXPECT_EQ(server.data_sources().size(), 1u);
}

TEST_F(ServerTest, UnknownTypes) {
  Server server(&provider_);
  const std::string want_detail =
      "This provider has no resource type \"cvm_nope\". It has: cvm_fake, "
      "cvm_other.";
  std::vector<std::pair<std::string, Diagnostics>> results = {
      {"ValidateResourceConfig",
       server.ValidateResourceConfig("cvm_nope", Value())},
      {"UpgradeResourceState",
       server.UpgradeResourceState("cvm_nope", 0, "{}", false).diagnostics},
      {"ReadResource",
       server.ReadResource("cvm_nope", Value(), "").diagnostics},
      {"PlanResourceChange",
       server.PlanResourceChange("cvm_nope", Value(), Value(), Value(), "")
           .diagnostics},
      {"ApplyResourceChange",
       server.ApplyResourceChange("cvm_nope", Value(), Value(), Value(), "")
           .diagnostics},
      {"ImportResourceState",
       server.ImportResourceState("cvm_nope", "x").diagnostics},
  };
  for (const auto& [rpc, diags] : results) {
    SCOPED_TRACE(rpc);
    EXPECT_THAT(diags.items(),
                ElementsAre(Diagnostic{kError, kUnknownTypeSummary, want_detail,
                                       std::nullopt}));
  }
  const std::string want_data =
      "This provider has no data source \"cvm_nope\". It has: cvm_info.";
  EXPECT_THAT(server.ValidateDataResourceConfig("cvm_nope", Value()).items(),
              ElementsAre(Diagnostic{kError, "Unknown Data Source Type",
                                     want_data, std::nullopt}));
  EXPECT_THAT(server.ReadDataSource("cvm_nope", Value()).diagnostics.items(),
              ElementsAre(Diagnostic{kError, "Unknown Data Source Type",
                                     want_data, std::nullopt}));
}

TEST_F(ServerTest, InvalidSchemaIsReportedByEveryRpc) {
  schema::Schema bad = ResourceSchema();
  bad.block.attributes.push_back(
      Attribute("both", Type::String()).Required().Computed());
  FakeResource broken("cvm_broken", bad);
  provider_.resources.push_back(&broken);
  bool configured = false;
  provider_.configure = [&](const ConfigureRequest&, Diagnostics*) {
    configured = true;
  };
  Server server(&provider_);
  EXPECT_THAT(server.schema_status(),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("cvm_broken: invalid schema at both: cannot "
                                 "be both required and computed")));

  std::vector<std::pair<std::string, Diagnostics>> results = {
      {"ValidateProviderConfig", server.ValidateProviderConfig(Value())},
      {"ConfigureProvider", server.ConfigureProvider(Value(), "1.11.4")},
      {"ValidateResourceConfig",
       server.ValidateResourceConfig("cvm_fake", Obj({{"name", S("x")}}))},
      {"ValidateDataResourceConfig",
       server.ValidateDataResourceConfig("cvm_info", Value())},
      {"UpgradeResourceState",
       server.UpgradeResourceState("cvm_fake", 2, "{}", false).diagnostics},
      {"ReadResource",
       server.ReadResource("cvm_fake", State(), "").diagnostics},
      {"PlanResourceChange",
       server.PlanResourceChange("cvm_fake", Null(), Obj({}), Obj({}), "")
           .diagnostics},
      {"ApplyResourceChange",
       server.ApplyResourceChange("cvm_fake", Null(), Obj({}), Obj({}), "")
           .diagnostics},
      {"ImportResourceState",
       server.ImportResourceState("cvm_fake", "x").diagnostics},
      {"ReadDataSource",
       server.ReadDataSource("cvm_info", Value()).diagnostics},
  };
  for (const auto& [rpc, diags] : results) {
    SCOPED_TRACE(rpc);
    ASSERT_EQ(diags.size(), 1u) << diags.ToString();
    EXPECT_EQ(diags.items()[0].severity, kError);
    EXPECT_EQ(diags.items()[0].summary, "Invalid Provider Schema");
    EXPECT_THAT(diags.items()[0].detail,
                HasSubstr("cvm_broken: invalid schema at both"));
  }
  EXPECT_FALSE(configured);
  EXPECT_EQ(resource_.reads.load() + resource_.creates.load() +
                resource_.modify_plans.load(),
            0);
}

TEST_F(ServerTest, InvalidProviderAndDataSourceSchemas) {
  {
    provider_.schema.version = -1;
    Server server(&provider_);
    EXPECT_THAT(
        server.schema_status(),
        StatusIs(absl::StatusCode::kInternal, HasSubstr("negative version")));
    provider_.schema.version = 0;
  }
  schema::Schema bad = testing::NameValueDataSchema();
  bad.block.attributes.push_back(Attribute("Bad", Type::String()).Optional());
  FakeDataSource broken("cvm_broken_data", bad);
  provider_.data_sources.push_back(&broken);
  Server server(&provider_);
  EXPECT_THAT(
      server.schema_status(),
      StatusIs(absl::StatusCode::kInternal,
               HasSubstr("data cvm_broken_data: invalid schema at Bad")));
}

TEST_F(ServerTest, DuplicateTypeNamesAreASchemaError) {
  {
    FakeResource twin("cvm_fake", ResourceSchema());
    provider_.resources.push_back(&twin);
    Server server(&provider_);
    EXPECT_THAT(server.schema_status(),
                StatusIs(absl::StatusCode::kInternal,
                         "cvm_fake: two resources share this type name"));
    provider_.resources.pop_back();
  }
  FakeDataSource twin("cvm_info", testing::NameValueDataSchema());
  provider_.data_sources.push_back(&twin);
  Server server(&provider_);
  EXPECT_THAT(server.schema_status(),
              StatusIs(absl::StatusCode::kInternal,
                       "data cvm_info: two data sources share this type name"));
}

TEST_F(ServerTest, ValidateResourceConfig) {
  std::vector<Value> seen;
  resource_.validate_config = [&](const Value& config, Diagnostics* diags) {
    seen.push_back(config);
    if (config.GetAttr("zone") == S("mars")) {
      diags->AddAttributeError(Path::FromAttr("zone"), "Unsupported Zone",
                               "mars is too far");
    }
  };
  Server server(&provider_);
  struct Case {
    std::string name;
    Value config;
    std::vector<Diagnostic> want;
  };
  const std::vector<Case> cases = {
      {"valid", Obj({{"name", S("dev")}, {"rule", Rules({80})}}), {}},
      {"unknowns are fine",
       Obj({{"name", UnkS()},
            {"rule",
             Value::Unknown(block().FindBlock("rule")->ImpliedType())}}),
       {}},
      {"validator with path",
       Obj({{"name", S("bad")}, {"rule", Rules({80, 0})}}),
       {{kError, "Invalid Attribute Value", "\"bad\" is not a valid name",
         Path::FromAttr("name")},
        {kError, "Invalid Attribute Value", "port must be positive",
         Path::FromAttr("rule").Index(1).Attr("port")}}},
      {"deprecation warning",
       Obj({{"name", S("dev")}, {"old", S("x")}}),
       {{kWarning, "Deprecated Attribute", "Use name.",
         Path::FromAttr("old")}}},
      {"resource's own check runs after the generic ones",
       Obj({{"name", S("bad")}, {"zone", S("mars")}}),
       {{kError, "Invalid Attribute Value", "\"bad\" is not a valid name",
         Path::FromAttr("name")},
        {kError, "Unsupported Zone", "mars is too far",
         Path::FromAttr("zone")}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(server.ValidateResourceConfig("cvm_fake", c.config).items(),
              c.want);
  }
  EXPECT_EQ(seen.size(), cases.size());
}

TEST_F(ServerTest, ValidateProviderAndDataSourceConfig) {
  int provider_checks = 0, data_checks = 0;
  provider_.validate_config = [&](const Value&, Diagnostics*) {
    ++provider_checks;
  };
  data_.validate_config = [&](const Value&, Diagnostics* diags) {
    ++data_checks;
    diags->AddWarning("Data Warning", "from the data source");
  };
  Server server(&provider_);
  Value config =
      Value::Object({{"endpoint", S("bad")}, {"legacy", Value::Bool(true)}});
  EXPECT_THAT(
      server.ValidateProviderConfig(config).items(),
      ElementsAre(
          DiagAt(kError, Path::FromAttr("endpoint"), "is not a valid name"),
          DiagAt(kWarning, Path::FromAttr("legacy"), "Drop it.")));
  EXPECT_EQ(provider_checks, 1);
  EXPECT_THAT(
      server
          .ValidateDataResourceConfig(
              "cvm_info", Value::Object({{"name", S("n")}, {"value", NullS()}}))
          .items(),
      ElementsAre(Diag(kWarning, "Data Warning")));
  EXPECT_EQ(data_checks, 1);
}

TEST_F(ServerTest, ConfigureProvider) {
  ConfigureRequest got;
  provider_.configure = [&](const ConfigureRequest& r, Diagnostics* diags) {
    got = r;
    diags->AddError("Cannot Reach Cluster", "dial tcp: refused");
  };
  Server server(&provider_);
  Value config = Value::Object(
      {{"endpoint", S("https://k")}, {"legacy", Value::Null(Type::Bool())}});
  EXPECT_THAT(server.ConfigureProvider(config, "1.11.4").items(),
              ElementsAre(Diag(kError, "Cannot Reach Cluster")));
  EXPECT_EQ(got.config, config);
  EXPECT_EQ(got.terraform_version, "1.11.4");
}

TEST_F(ServerTest, UpgradeResourceStateSameVersion) {
  Server server(&provider_);
  // An attribute the schema dropped ("gone") is ignored, a missing one
  // ("zone", the rule list) becomes null/empty, the write-only is cleared.
  Server::UpgradeResult r = server.UpgradeResourceState(
      "cvm_fake", 2,
      R"({"id":"i-1","name":"dev","status":"ok","gone":1,"secret":"s"})",
      false);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(r.state, State());
  EXPECT_EQ(resource_.upgrades.load(), 0);
}

TEST_F(ServerTest, UpgradeResourceStateOlderVersionCallsTheResource) {
  std::vector<std::pair<int64_t, std::string>> calls;
  resource_.upgrade_state = [&](int64_t version,
                                std::string_view raw) -> absl::StatusOr<Value> {
    calls.emplace_back(version, std::string(raw));
    // An upgrader may build a partial object; the framework completes it.
    return Value::Object({{"id", S("i-1")},
                          {"name", S("dev")},
                          {"status", S("ok")},
                          {"secret", S("s")}});
  };
  Server server(&provider_);
  Server::UpgradeResult r = server.UpgradeResourceState(
      "cvm_fake", 1, R"({"legacy_name":"dev"})", false);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(r.state, State());
  EXPECT_THAT(calls, ElementsAre(std::make_pair(
                         int64_t{1}, std::string(R"({"legacy_name":"dev"})"))));
}

TEST_F(ServerTest, UpgradeResourceStateErrors) {
  resource_.upgrade_state = nullptr;  // the default: no older versions
  Server server(&provider_);
  struct Case {
    std::string name;
    int64_t version;
    std::string json;
    bool flatmap;
    std::string summary;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {"newer version", 3, "{}", false,
       "Resource Instance Managed by Newer Provider Version",
       "written by schema version 3, newer than this provider's version 2"},
      {"flatmap only", 2, "", true, "Unsupported State Format",
       "Terraform older than 0.12"},
      {"empty", 2, "", false, "Unsupported State Format",
       "The state of this resource is empty."},
      {"malformed JSON", 2, "{", false, "Unable to Upgrade Resource State", ""},
      {"wrong type", 2, R"({"name":[1]})", false,
       "Unable to Upgrade Resource State", "name"},
      {"older version without an upgrader", 1, "{}", false,
       "Unable to Upgrade Resource State",
       "cvm_fake has no state upgrade from schema version 1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Server::UpgradeResult r =
        server.UpgradeResourceState("cvm_fake", c.version, c.json, c.flatmap);
    ASSERT_EQ(r.diagnostics.size(), 1u) << r.diagnostics.ToString();
    EXPECT_EQ(r.diagnostics.items()[0].severity, kError);
    EXPECT_EQ(r.diagnostics.items()[0].summary, c.summary);
    EXPECT_THAT(r.diagnostics.items()[0].detail, HasSubstr(c.detail));
  }
}

TEST_F(ServerTest, UpgradeLeavingUnknownsIsAnError) {
  resource_.upgrade_state = [](int64_t,
                               std::string_view) -> absl::StatusOr<Value> {
    return Value::Object({{"id", S("i-1")}, {"status", UnkS()}});
  };
  Server server(&provider_);
  Server::UpgradeResult r =
      server.UpgradeResourceState("cvm_fake", 1, "{}", false);
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Provider Returned Unknown Value")));
  EXPECT_EQ(r.state, Obj({{"id", S("i-1")}}));
}

TEST_F(ServerTest, UpgradeFailureFromTheResourceIsADiagnostic) {
  resource_.upgrade_state = [](int64_t,
                               std::string_view) -> absl::StatusOr<Value> {
    return absl::InvalidArgumentError("field x is garbled");
  };
  Server server(&provider_);
  Server::UpgradeResult r =
      server.UpgradeResourceState("cvm_fake", 0, "{}", false);
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diagnostic{kError, "Unable to Upgrade Resource State",
                                     "field x is garbled", std::nullopt}));
}

TEST_F(ServerTest, ReadPrefillsAndReplacesPrivate) {
  ReadRequest got;
  resource_.read = [&](const ReadRequest& req, ReadResponse* resp) {
    got = req;
    EXPECT_EQ(resp->new_state, req.current_state);
    EXPECT_EQ(resp->private_state, "p1");
    resp->new_state = resp->new_state.WithAttr("status", S("drifted"));
    resp->private_state = "p2";
  };
  Server server(&provider_);
  Server::ReadResult r = server.ReadResource("cvm_fake", State(), "p1");
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.new_state, State().WithAttr("status", S("drifted")));
  EXPECT_EQ(r.private_state, "p2");
  EXPECT_EQ(got.current_state, State());
  EXPECT_EQ(got.private_state, "p1");
}

TEST_F(ServerTest, ReadUnchangedEchoesStateAndPrivate) {
  Server server(&provider_);
  Server::ReadResult r = server.ReadResource("cvm_fake", State(), "p1");
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.new_state, State());
  EXPECT_EQ(r.private_state, "p1");
}

TEST_F(ServerTest, ReadNullMeansGone) {
  resource_.read = [](const ReadRequest&, ReadResponse* resp) {
    resp->new_state = Value();
  };
  Server server(&provider_);
  Server::ReadResult r = server.ReadResource("cvm_fake", State(), "p1");
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.new_state, Null());
}

TEST_F(ServerTest, ReadLeavingUnknownsIsAnError) {
  resource_.read = [](const ReadRequest&, ReadResponse* resp) {
    resp->new_state = resp->new_state.WithAttr("status", UnkS());
  };
  Server server(&provider_);
  Server::ReadResult r = server.ReadResource("cvm_fake", State(), "");
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Provider Returned Unknown Value")));
  EXPECT_EQ(r.new_state, State().WithAttr("status", NullS()));
}

TEST_F(ServerTest, ReadCompletesAPartialObjectAndClearsWriteOnly) {
  resource_.read = [](const ReadRequest&, ReadResponse* resp) {
    resp->new_state = Value::Object({{"id", S("i-1")},
                                     {"name", S("dev")},
                                     {"status", S("ok")},
                                     {"secret", S("s")}});
  };
  Server server(&provider_);
  Server::ReadResult r = server.ReadResource("cvm_fake", State(), "");
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.new_state, State());
}

// A resource whose `ready_nodes` reflects the live system: whatever its
// ModifyPlan and Create/Update set there, the plan is unknown on create and
// the prior value on update, and apply returns the planned value.
class LiveAttributeTest : public ::testing::Test {
 protected:
  static schema::Schema LiveSchema() {
    schema::Schema s;
    s.block.attributes = {
        Attribute("name", Type::String()).Required(),
        Attribute("ready_nodes", Type::Number()).Live(),
    };
    return s;
  }
  LiveAttributeTest() : resource_("cvm_live", LiveSchema()) {
    provider_.resources = {&resource_};
    // The live system as ModifyPlan and apply would read it.
    resource_.modify_plan = [this](const PlanRequest&, PlanResponse* resp) {
      resp->planned_state =
          resp->planned_state.WithAttr("ready_nodes", Value::Int(nodes_));
    };
    auto apply = [this](ApplyResponse* resp) {
      resp->new_state =
          resp->new_state.WithAttr("ready_nodes", Value::Int(nodes_));
    };
    resource_.create = [apply](const CreateRequest&, ApplyResponse* resp) {
      apply(resp);
    };
    resource_.update = [apply](const UpdateRequest&, ApplyResponse* resp) {
      apply(resp);
    };
  }
  Value Obj(const char* name, Value nodes) const {
    return Value::Object({{"name", S(name)}, {"ready_nodes", nodes}});
  }
  Value Config(const char* name) const {
    return Obj(name, Value::Null(Type::Number()));
  }

  FakeProvider provider_;
  FakeResource resource_;
  int nodes_ = 2;
};

TEST_F(LiveAttributeTest, CreatePlansUnknownAndApplyFillsIt) {
  Server server(&provider_);
  const Value config = Config("dev");
  Server::PlanResult plan = server.PlanResourceChange(
      "cvm_live", Value::Null(config.type()), config, config, "");
  ASSERT_FALSE(plan.diagnostics.HasError());
  EXPECT_EQ(plan.planned_state, Obj("dev", Value::Unknown(Type::Number())));
  nodes_ = 1;  // a node went away between plan and apply
  Server::PlanResult again = server.PlanResourceChange(
      "cvm_live", Value::Null(config.type()), config, config, "");
  EXPECT_EQ(again.planned_state, plan.planned_state);
  Server::ApplyResult applied = server.ApplyResourceChange(
      "cvm_live", Value::Null(config.type()), plan.planned_state, config, "");
  EXPECT_FALSE(applied.diagnostics.HasError());
  EXPECT_EQ(applied.new_state, Obj("dev", Value::Int(1)));
}

TEST_F(LiveAttributeTest, UpdatePlansAndReturnsThePriorValue) {
  Server server(&provider_);
  const Value prior = Obj("dev", Value::Int(2));
  const Value config = Config("prod");
  const Value proposed = Obj("prod", Value::Int(2));
  nodes_ = 3;
  Server::PlanResult plan =
      server.PlanResourceChange("cvm_live", prior, proposed, config, "");
  ASSERT_FALSE(plan.diagnostics.HasError());
  EXPECT_EQ(plan.planned_state, Obj("prod", Value::Int(2)));
  nodes_ = 1;
  Server::ApplyResult applied = server.ApplyResourceChange(
      "cvm_live", prior, plan.planned_state, config, "");
  EXPECT_FALSE(applied.diagnostics.HasError());
  EXPECT_EQ(applied.new_state, Obj("prod", Value::Int(2)));
}

TEST_F(ServerTest, PlanDestroyCallsPlanDestroyOnly) {
  PlanRequest got;
  resource_.plan_destroy = [&](const PlanRequest& req, PlanResponse* resp) {
    got = req;
    EXPECT_EQ(resp->planned_state, Null());
    EXPECT_EQ(resp->planned_private, "priv");
    resp->diagnostics.AddError("Workspace In Use", "still mounted");
  };
  Server server(&provider_);
  Server::PlanResult r =
      server.PlanResourceChange("cvm_fake", State(), Null(), Null(), "priv");
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diagnostic{kError, "Workspace In Use",
                                     "still mounted", std::nullopt}));
  EXPECT_EQ(r.planned_state, Null());
  EXPECT_EQ(r.planned_private, "priv");
  EXPECT_THAT(r.requires_replace, IsEmpty());
  EXPECT_EQ(resource_.plan_destroys.load(), 1);
  EXPECT_EQ(resource_.modify_plans.load(), 0);
  EXPECT_EQ(got.prior_state, State());
  EXPECT_EQ(got.config, Null());
  EXPECT_EQ(got.prior_private, "priv");
}

TEST_F(ServerTest, PlanCreateRunsGenericPlanThenModifyPlan) {
  Value config =
      Obj({{"name", S("dev")}, {"secret", S("s")}, {"zone", S("z")}});
  resource_.modify_plan = [&](const PlanRequest& req, PlanResponse* resp) {
    // Pre-filled with the generic plan.
    EXPECT_EQ(resp->planned_state, Obj({{"id", UnkS()},
                                        {"name", S("dev")},
                                        {"status", UnkS()},
                                        {"zone", S("z")}}));
    EXPECT_EQ(req.config, config);
    resp->planned_state = resp->planned_state.WithAttr("status", S("pending"));
    resp->planned_private = "planned";
    resp->requires_replace.push_back(Path::FromAttr("zone"));
  };
  Server server(&provider_);
  Server::PlanResult r =
      server.PlanResourceChange("cvm_fake", Null(), config, config, "");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(r.planned_state, Obj({{"id", UnkS()},
                                  {"name", S("dev")},
                                  {"status", S("pending")},
                                  {"zone", S("z")}}));
  EXPECT_EQ(r.planned_private, "planned");
  EXPECT_THAT(r.requires_replace, IsEmpty());  // never on create
}

TEST_F(ServerTest, PlanUpdateRequiresReplaceAndKeepsStableId) {
  Server server(&provider_);
  Value prior = State().WithAttr("zone", S("a"));
  Value config = Obj({{"name", S("dev")}, {"zone", S("b")}});
  Value proposed = prior.WithAttr("zone", S("b"));
  Server::PlanResult r =
      server.PlanResourceChange("cvm_fake", prior, proposed, config, "p");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(r.planned_state, Obj({{"id", S("i-1")},
                                  {"name", S("dev")},
                                  {"status", UnkS()},
                                  {"zone", S("b")}}));
  EXPECT_THAT(r.requires_replace, ElementsAre(Path::FromAttr("zone")));
  EXPECT_EQ(r.planned_private, "p");
}

TEST_F(ServerTest, PlanUpdateWithoutChangeIsPrior) {
  Server server(&provider_);
  Value config = Obj({{"name", S("dev")}, {"secret", S("s")}});
  Value proposed = State().WithAttr("secret", S("s"));
  Server::PlanResult r =
      server.PlanResourceChange("cvm_fake", State(), proposed, config, "");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(r.planned_state, State());
  EXPECT_THAT(r.requires_replace, IsEmpty());
}

TEST_F(ServerTest, PlanModifiedIntoAnInvalidPlanIsReported) {
  resource_.modify_plan = [](const PlanRequest&, PlanResponse* resp) {
    resp->planned_state = resp->planned_state.WithAttr("name", S("other"));
  };
  Server server(&provider_);
  Value config = Obj({{"name", S("dev")}});
  Server::PlanResult r =
      server.PlanResourceChange("cvm_fake", Null(), config, config, "");
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(DiagAt(kError, Path::FromAttr("name"),
                                 "does not match the configured value")));
}

TEST_F(ServerTest, PlanModifiedIntoAPartialObjectIsCompleted) {
  resource_.modify_plan = [](const PlanRequest&, PlanResponse* resp) {
    resp->planned_state = Value::Object(
        {{"id", UnkS()}, {"name", S("dev")}, {"status", S("pending")}});
  };
  Server server(&provider_);
  Value config = Obj({{"name", S("dev")}});
  Server::PlanResult r =
      server.PlanResourceChange("cvm_fake", Null(), config, config, "");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(
      r.planned_state,
      Obj({{"id", UnkS()}, {"name", S("dev")}, {"status", S("pending")}}));
}

TEST_F(ServerTest, PlanModifyPlanErrorStopsThePlan) {
  resource_.modify_plan = [](const PlanRequest&, PlanResponse* resp) {
    resp->diagnostics.AddError("Quota Exceeded", "no room");
  };
  Server server(&provider_);
  Value config = Obj({{"name", S("dev")}});
  Server::PlanResult r =
      server.PlanResourceChange("cvm_fake", Null(), config, config, "");
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Quota Exceeded")));
  EXPECT_EQ(r.planned_state, Null());
}

TEST_F(ServerTest, PlanModifyPlanCannotSetWriteOnly) {
  resource_.modify_plan = [](const PlanRequest&, PlanResponse* resp) {
    resp->planned_state = resp->planned_state.WithAttr("secret", S("leak"));
  };
  Server server(&provider_);
  Value config = Obj({{"name", S("dev")}, {"secret", S("s")}});
  Server::PlanResult r =
      server.PlanResourceChange("cvm_fake", Null(), config, config, "");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(r.planned_state.GetAttr("secret"), NullS());
}

TEST_F(ServerTest, ApplyCreate) {
  Value config = Obj({{"name", S("dev")}, {"secret", S("s")}});
  Value planned = Obj({{"id", UnkS()}, {"name", S("dev")}, {"status", UnkS()}});
  CreateRequest got;
  resource_.create = [&](const CreateRequest& req, ApplyResponse* resp) {
    got = req;
    EXPECT_EQ(resp->new_state, planned);
    EXPECT_EQ(resp->private_state, "pp");
    resp->new_state =
        resp->new_state.WithAttr("id", S("i-1")).WithAttr("status", S("ok"));
    resp->private_state = "created";
  };
  Server server(&provider_);
  Server::ApplyResult r =
      server.ApplyResourceChange("cvm_fake", Null(), planned, config, "pp");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(r.new_state, State());
  EXPECT_EQ(r.private_state, "created");
  EXPECT_EQ(got.config, config);
  EXPECT_EQ(got.planned_state, planned);
  EXPECT_EQ(got.planned_private, "pp");
  EXPECT_EQ(resource_.creates.load(), 1);
  EXPECT_EQ(resource_.updates.load(), 0);
}

TEST_F(ServerTest, ApplyCreatePartialStateWithError) {
  Value config = Obj({{"name", S("dev")}});
  Value planned = Obj({{"id", UnkS()}, {"name", S("dev")}, {"status", UnkS()}});
  resource_.create = [](const CreateRequest&, ApplyResponse* resp) {
    // The object exists but could not be finished: keep its id.
    resp->new_state = resp->new_state.WithAttr("id", S("i-1"));
    resp->diagnostics.AddError("Unable to Create", "pod never started");
  };
  Server server(&provider_);
  Server::ApplyResult r =
      server.ApplyResourceChange("cvm_fake", Null(), planned, config, "");
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Unable to Create")));
  // Unknowns cannot be stored: they become null.
  EXPECT_EQ(r.new_state, Obj({{"id", S("i-1")}, {"name", S("dev")}}));
}

TEST_F(ServerTest, ApplyCreateNothingCreated) {
  resource_.create = [](const CreateRequest&, ApplyResponse* resp) {
    resp->new_state = Value();
    resp->diagnostics.AddError("Unable to Create", "forbidden");
  };
  Server server(&provider_);
  Value config = Obj({{"name", S("dev")}});
  Server::ApplyResult r = server.ApplyResourceChange(
      "cvm_fake", Null(), config.WithAttr("id", UnkS()), config, "");
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Unable to Create")));
  EXPECT_TRUE(r.new_state.IsNull());
}

TEST_F(ServerTest, ApplyChecksTheResult) {
  Value config = Obj({{"name", S("dev")}});
  Value planned = Obj({{"id", UnkS()}, {"name", S("dev")}, {"status", UnkS()}});
  struct Case {
    std::string name;
    std::function<void(ApplyResponse*)> create;
    std::vector<Diagnostic> want;  // compared by severity, summary, path
    Value want_state;
  };
  const std::vector<Case> cases = {
      {"unknown left",
       [](ApplyResponse* resp) {
         resp->new_state = resp->new_state.WithAttr("id", S("i-1"));
       },
       {{kError, "Provider Returned Unknown Value", "",
         Path::FromAttr("status")}},
       Obj({{"id", S("i-1")}, {"name", S("dev")}})},
      {"known planned value changed",
       [](ApplyResponse* resp) {
         resp->new_state = resp->new_state.WithAttr("id", S("i-1"))
                               .WithAttr("status", S("ok"))
                               .WithAttr("name", S("DEV"));
       },
       {{kError, "Provider Produced Inconsistent Result After Apply", "",
         Path::FromAttr("name")}},
       State().WithAttr("name", S("DEV"))},
      {"null without error",
       [](ApplyResponse* resp) { resp->new_state = Value(); },
       {{kError, "Provider Returned Null Object", "", std::nullopt}},
       Value()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    resource_.create = [&c](const CreateRequest&, ApplyResponse* resp) {
      c.create(resp);
    };
    Server server(&provider_);
    Server::ApplyResult r =
        server.ApplyResourceChange("cvm_fake", Null(), planned, config, "");
    ASSERT_EQ(r.diagnostics.size(), c.want.size()) << r.diagnostics.ToString();
    for (size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ(r.diagnostics.items()[i].severity, c.want[i].severity);
      EXPECT_EQ(r.diagnostics.items()[i].summary, c.want[i].summary);
      EXPECT_EQ(r.diagnostics.items()[i].path, c.want[i].path);
    }
    if (c.want_state.IsNull()) {
      EXPECT_TRUE(r.new_state.IsNull());
    } else {
      EXPECT_EQ(r.new_state, c.want_state);
    }
  }
}

TEST_F(ServerTest, ApplyUpdate) {
  Value prior = State();
  Value config = Obj({{"name", S("dev")}, {"old", S("x")}});
  Value planned = prior.WithAttr("old", S("x")).WithAttr("status", UnkS());
  UpdateRequest got;
  resource_.update = [&](const UpdateRequest& req, ApplyResponse* resp) {
    got = req;
    resp->new_state = resp->new_state.WithAttr("status", S("updated"));
  };
  Server server(&provider_);
  Server::ApplyResult r =
      server.ApplyResourceChange("cvm_fake", prior, planned, config, "pp");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(r.new_state, planned.WithAttr("status", S("updated")));
  EXPECT_EQ(r.private_state, "pp");
  EXPECT_EQ(got.prior_state, prior);
  EXPECT_EQ(got.planned_state, planned);
  EXPECT_EQ(got.config, config);
  EXPECT_EQ(got.planned_private, "pp");
  EXPECT_EQ(resource_.updates.load(), 1);
  EXPECT_EQ(resource_.creates.load(), 0);
}

TEST_F(ServerTest, ApplyDelete) {
  DeleteRequest got;
  resource_.delete_ = [&](const DeleteRequest& req, DeleteResponse*) {
    got = req;
  };
  Server server(&provider_);
  Server::ApplyResult r =
      server.ApplyResourceChange("cvm_fake", State(), Null(), Null(), "priv");
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.new_state, Null());
  EXPECT_EQ(got.prior_state, State());
  EXPECT_EQ(got.private_state, "priv");
  EXPECT_EQ(resource_.deletes.load(), 1);
}

TEST_F(ServerTest, ApplyDeleteFailureKeepsPriorState) {
  resource_.delete_ = [](const DeleteRequest&, DeleteResponse* resp) {
    resp->diagnostics.AddError("Unable to Delete", "finalizer stuck");
  };
  Server server(&provider_);
  Server::ApplyResult r =
      server.ApplyResourceChange("cvm_fake", State(), Null(), Null(), "priv");
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Unable to Delete")));
  EXPECT_EQ(r.new_state, State());
  EXPECT_EQ(r.private_state, "priv");
}

TEST_F(ServerTest, ImportDefaultIsNotImplemented) {
  Server server(&provider_);
  Server::ImportResult r = server.ImportResourceState("cvm_fake", "x");
  EXPECT_THAT(
      r.diagnostics.items(),
      ElementsAre(Diagnostic{kError, "Resource Import Not Implemented",
                             "cvm_fake cannot be imported.", std::nullopt}));
}

TEST_F(ServerTest, ImportConformsThePartialObject) {
  std::string got_id;
  resource_.import_state = [&](const ImportRequest& req, ImportResponse* resp) {
    got_id = req.id;
    resp->state = Value::Object({{"id", S("i-1")},
                                 {"name", S("dev")},
                                 {"status", UnkS()},
                                 {"secret", S("s")}});
    resp->private_state = "imported";
  };
  Server server(&provider_);
  Server::ImportResult r = server.ImportResourceState("cvm_fake", "ns/dev");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.ToString();
  EXPECT_EQ(got_id, "ns/dev");
  EXPECT_EQ(r.state, Obj({{"id", S("i-1")}, {"name", S("dev")}}));
  EXPECT_EQ(r.private_state, "imported");
}

TEST_F(ServerTest, ImportWithoutObject) {
  resource_.import_state = [](const ImportRequest&, ImportResponse*) {};
  Server server(&provider_);
  Server::ImportResult r = server.ImportResourceState("cvm_fake", "x");
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Import Returned No Object")));
}

TEST_F(ServerTest, ReadDataSource) {
  Value config = Value::Object({{"name", S("n")}, {"value", NullS()}});
  data_.read = [&](const DataReadRequest& req, DataReadResponse* resp) {
    EXPECT_EQ(req.config, config);
    EXPECT_EQ(resp->state, config);
    resp->state = resp->state.WithAttr("value", S("v"));
  };
  Server server(&provider_);
  Server::DataResult r = server.ReadDataSource("cvm_info", config);
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.state, config.WithAttr("value", S("v")));
}

TEST_F(ServerTest, ReadDataSourceErrorsAndUnknowns) {
  Value config = Value::Object({{"name", S("n")}, {"value", NullS()}});
  data_.read = [](const DataReadRequest&, DataReadResponse* resp) {
    resp->state = resp->state.WithAttr("value", UnkS());
  };
  Server server(&provider_);
  Server::DataResult r = server.ReadDataSource("cvm_info", config);
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Provider Returned Unknown Value")));
  EXPECT_EQ(r.state, config);

  data_.read = [](const DataReadRequest&, DataReadResponse* resp) {
    resp->diagnostics.AddError("Not Found", "no such thing");
  };
  r = server.ReadDataSource("cvm_info", config);
  EXPECT_THAT(r.diagnostics.items(), ElementsAre(Diag(kError, "Not Found")));
}

TEST_F(ServerTest, ReadDataSourceNullStateIsAnError) {
  Value config = Value::Object({{"name", S("n")}, {"value", NullS()}});
  data_.read = [](const DataReadRequest&, DataReadResponse* resp) {
    resp->state = Value();
  };
  Server server(&provider_);
  Server::DataResult r = server.ReadDataSource("cvm_info", config);
  EXPECT_THAT(r.diagnostics.items(),
              ElementsAre(Diag(kError, "Provider Returned Null Object")));
}

TEST_F(ServerTest, StopProvider) {
  Server server(&provider_);
  server.StopProvider();
  server.StopProvider();
  EXPECT_EQ(provider_.stops.load(), 2);
}

}  // namespace
}  // namespace cvm::framework
