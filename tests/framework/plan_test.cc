// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/plan.h"

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/printers.h"

namespace cvm::framework {
namespace {

using schema::Attribute;
using schema::Block;
using schema::NestedBlock;
using schema::NestedObject;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using values::Path;
using values::Type;
using values::Value;

Value S(const char* s) { return Value::String(s); }
Value NullS() { return Value::Null(Type::String()); }
Value UnkS() { return Value::Unknown(Type::String()); }
Value N(int64_t n) { return Value::Int(n); }

// What a diagnostic is about, compactly: "error at note: <detail>".
struct DiagView {
  Diagnostic::Severity severity;
  std::string path;
  std::string summary;
  std::string detail;
};
std::vector<DiagView> View(const Diagnostics& diags) {
  std::vector<DiagView> out;
  for (const Diagnostic& d : diags.items()) {
    out.push_back({d.severity,
                   d.path && !d.path->empty() ? d.path->ToString() : "<none>",
                   d.summary, d.detail});
  }
  return out;
}

// The schema most plan tests use: every kind of attribute the generic rules
// treat differently, at the top level and nested.
class PlanTest : public ::testing::Test {
 protected:
  PlanTest() {
    block_.attributes = {
        Attribute("id", Type::String()).Computed().UseStateForUnknown(),
        Attribute("name", Type::String()).Required().RequiresReplace(),
        Attribute("size", Type::Number()).Default(N(1)),
        Attribute("status", Type::String()).Computed(),
        Attribute("note", Type::String()).Optional(),
        Attribute("token", Type::String()).Optional().WriteOnly(),
        Attribute("label", Type::String()).Optional().Computed(),
        Attribute("tags", Type::Map(Type::String())).Optional(),
        Attribute("mounts", Type::String())
            .Optional()
            .Nested(NestedObject::Nesting::kList,
                    {Attribute("target", Type::String()).Required(),
                     Attribute("mode", Type::String()).Default(S("rw")),
                     Attribute("uid", Type::String()).Computed()}),
    };
    NestedBlock settings;
    settings.type_name = "settings";
    settings.nesting = NestedBlock::Nesting::kSingle;
    settings.block.attributes = {
        Attribute("mode", Type::String()).Default(S("a")),
        Attribute("server_id", Type::String()).Computed()};
    NestedBlock rule;
    rule.type_name = "rule";
    rule.nesting = NestedBlock::Nesting::kList;
    rule.block.attributes = {
        Attribute("port", Type::Number()).Required().RequiresReplace(),
        Attribute("proto", Type::String()).Default(S("tcp")),
        Attribute("rule_id", Type::String()).Computed()};
    NestedBlock volume;
    volume.type_name = "volume";
    volume.nesting = NestedBlock::Nesting::kList;
    volume.requires_replace = true;
    volume.block.attributes = {Attribute("gib", Type::Number()).Required()};
    block_.block_types = {settings, rule, volume};
  }

  // An object of the block's type: every attribute null or empty except
  // `set`.
  Value Obj(const std::map<std::string, Value>& set) const {
    Value v = schema::EmptyObject(block_);
    for (const auto& [k, e] : set) v = v.WithAttr(k, e);
    return v;
  }
  Value Mounts(std::vector<Value> elems) const {
    return Value::List(block_.FindAttribute("mounts")->ValueType().element(),
                       std::move(elems));
  }
  static Value Mount(Value target, Value mode, Value uid) {
    return Value::Object({{"target", target}, {"mode", mode}, {"uid", uid}});
  }
  Value Rules(std::vector<Value> elems) const {
    return Value::List(block_.FindBlock("rule")->block.ImpliedType(),
                       std::move(elems));
  }
  static Value Rule(Value port, Value proto, Value id) {
    return Value::Object({{"port", port}, {"proto", proto}, {"rule_id", id}});
  }
  Value Volumes(std::vector<Value> elems) const {
    return Value::List(block_.FindBlock("volume")->block.ImpliedType(),
                       std::move(elems));
  }
  static Value Settings(Value mode, Value server_id) {
    return Value::Object({{"mode", mode}, {"server_id", server_id}});
  }

  // The configuration of a first apply: a name, a mount, a rule, a token.
  Value Config() const {
    return Obj({{"name", S("dev")},
                {"token", S("secret")},
                {"mounts", Mounts({Mount(S("/a"), NullS(), NullS())})},
                {"settings", Settings(NullS(), NullS())},
                {"rule", Rules({Rule(N(80), NullS(), NullS())})}});
  }
  // The state after that apply.
  Value Prior() const {
    return Obj({{"id", S("i-1")},
                {"name", S("dev")},
                {"size", N(1)},
                {"status", S("ok")},
                {"label", S("L")},
                {"mounts", Mounts({Mount(S("/a"), S("rw"), S("u1"))})},
                {"settings", Settings(S("a"), S("s1"))},
                {"rule", Rules({Rule(N(80), S("tcp"), S("r1"))})}});
  }
  // Terraform's ProposedNew(Prior(), Config()): computed attributes null in
  // config take the prior value; the rest comes from config.
  Value Proposed() const { return Prior().WithAttr("token", S("secret")); }

  Block block_;
};

TEST_F(PlanTest, CreatePlansComputedUnknownAndAppliesDefaults) {
  GenericPlan plan =
      PlanChange(block_, Value::Null(block_.ImpliedType()), Config(), Config());
  EXPECT_EQ(plan.planned_state,
            Obj({{"id", UnkS()},
                 {"name", S("dev")},
                 {"size", N(1)},
                 {"status", UnkS()},
                 {"label", UnkS()},
                 {"token", NullS()},
                 {"mounts", Mounts({Mount(S("/a"), S("rw"), UnkS())})},
                 {"settings", Settings(S("a"), UnkS())},
                 {"rule", Rules({Rule(N(80), S("tcp"), UnkS())})}}));
  EXPECT_THAT(plan.requires_replace, IsEmpty());

  Diagnostics diags;
  CheckPlanValid(block_, Value::Null(block_.ImpliedType()), Config(),
                 plan.planned_state, &diags);
  EXPECT_THAT(View(diags), IsEmpty());
}

TEST_F(PlanTest, CreateKeepsConfiguredValuesOverDefaults) {
  Value config = Config()
                     .WithAttr("size", N(5))
                     .WithAttr("label", S("mine"))
                     .WithAttr("settings", Settings(S("b"), NullS()))
                     .WithAttr("rule", Rules({Rule(N(80), S("udp"), NullS()),
                                              Rule(N(81), NullS(), NullS())}));
  GenericPlan plan =
      PlanChange(block_, Value::Null(block_.ImpliedType()), config, config);
  EXPECT_EQ(plan.planned_state,
            Obj({{"id", UnkS()},
                 {"name", S("dev")},
                 {"size", N(5)},
                 {"status", UnkS()},
                 {"label", S("mine")},
                 {"token", NullS()},
                 {"mounts", Mounts({Mount(S("/a"), S("rw"), UnkS())})},
                 {"settings", Settings(S("b"), UnkS())},
                 {"rule", Rules({Rule(N(80), S("udp"), UnkS()),
                                 Rule(N(81), S("tcp"), UnkS())})}}));
}

TEST_F(PlanTest, UpdateWithoutChangeIsExactlyPrior) {
  // The write-only token is in config (and so in the proposed state) on
  // every run; it is never stored, so it is no change.
  GenericPlan plan = PlanChange(block_, Prior(), Proposed(), Config());
  EXPECT_EQ(plan.planned_state, Prior());
  EXPECT_THAT(plan.requires_replace, IsEmpty());

  // Also without a token.
  Value config = Config().WithAttr("token", NullS());
  plan = PlanChange(block_, Prior(), Prior(), config);
  EXPECT_EQ(plan.planned_state, Prior());
  EXPECT_THAT(plan.requires_replace, IsEmpty());
}

TEST_F(PlanTest, UpdateWithChangeMarksComputedUnknownExceptStable) {
  Value config = Config().WithAttr("note", S("x"));
  Value proposed = Proposed().WithAttr("note", S("x"));
  GenericPlan plan = PlanChange(block_, Prior(), proposed, config);
  EXPECT_EQ(plan.planned_state,
            Obj({{"id", S("i-1")},  // use_state_for_unknown
                 {"name", S("dev")},
                 {"size", N(1)},
                 {"status", UnkS()},
                 {"note", S("x")},
                 {"label", UnkS()},
                 {"token", NullS()},
                 {"mounts", Mounts({Mount(S("/a"), S("rw"), UnkS())})},
                 {"settings", Settings(S("a"), UnkS())},
                 {"rule", Rules({Rule(N(80), S("tcp"), UnkS())})}}));
  EXPECT_THAT(plan.requires_replace, IsEmpty());

  Diagnostics diags;
  CheckPlanValid(block_, Prior(), config, plan.planned_state, &diags);
  EXPECT_THAT(View(diags), IsEmpty());
}

TEST_F(PlanTest, UseStateForUnknownNeedsAPriorValue) {
  Value prior = Prior().WithAttr("id", NullS());
  Value config = Config().WithAttr("note", S("x"));
  Value proposed = prior.WithAttr("note", S("x"));
  GenericPlan plan = PlanChange(block_, prior, proposed, config);
  EXPECT_EQ(plan.planned_state.GetAttr("id"), UnkS());
}

TEST_F(PlanTest, RequiresReplace) {
  struct Case {
    std::string name;
    Value prior;
    Value proposed;
    Value config;
    std::vector<Path> want;
  };
  const Value null_prior = Value::Null(block_.ImpliedType());
  const std::vector<Case> cases = {
      {"no change", Prior(), Proposed(), Config(), {}},
      {"attribute changed",
       Prior(),
       Proposed().WithAttr("name", S("prod")),
       Config().WithAttr("name", S("prod")),
       {Path::FromAttr("name")}},
      {"attribute unknown counts as a change",
       Prior(),
       Proposed().WithAttr("name", UnkS()),
       Config().WithAttr("name", UnkS()),
       {Path::FromAttr("name")}},
      {"change of an attribute without requires_replace",
       Prior(),
       Proposed().WithAttr("note", S("n")),
       Config().WithAttr("note", S("n")),
       {}},
      {"block changed",
       Prior(),
       Proposed().WithAttr("volume",
                           Volumes({Value::Object({{"gib", N(10)}})})),
       Config().WithAttr("volume", Volumes({Value::Object({{"gib", N(10)}})})),
       {Path::FromAttr("volume")}},
      {"block unknown (dynamic block) counts as a change",
       Prior(),
       Proposed().WithAttr(
           "volume", Value::Unknown(block_.FindBlock("volume")->ImpliedType())),
       Config().WithAttr(
           "volume", Value::Unknown(block_.FindBlock("volume")->ImpliedType())),
       {Path::FromAttr("volume")}},
      {"attribute inside a list block",
       Prior(),
       Proposed().WithAttr("rule", Rules({Rule(N(81), S("tcp"), S("r1"))})),
       Config().WithAttr("rule", Rules({Rule(N(81), NullS(), NullS())})),
       {Path::FromAttr("rule").Index(0).Attr("port")}},
      {"two at once",
       Prior(),
       Proposed()
           .WithAttr("name", S("prod"))
           .WithAttr("rule", Rules({Rule(N(81), S("tcp"), S("r1"))})),
       Config()
           .WithAttr("name", S("prod"))
           .WithAttr("rule", Rules({Rule(N(81), NullS(), NullS())})),
       {Path::FromAttr("name"), Path::FromAttr("rule").Index(0).Attr("port")}},
      {"not on create",
       null_prior,
       Config().WithAttr("volume", Volumes({Value::Object({{"gib", N(10)}})})),
       Config().WithAttr("volume", Volumes({Value::Object({{"gib", N(10)}})})),
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    GenericPlan plan = PlanChange(block_, c.prior, c.proposed, c.config);
    EXPECT_EQ(plan.requires_replace, c.want);
  }
}

TEST_F(PlanTest, WriteOnlyIsPlannedNull) {
  GenericPlan plan =
      PlanChange(block_, Value::Null(block_.ImpliedType()), Config(), Config());
  EXPECT_EQ(plan.planned_state.GetAttr("token"), NullS());
  Value config = Config().WithAttr("note", S("x"));
  plan =
      PlanChange(block_, Prior(), Proposed().WithAttr("note", S("x")), config);
  EXPECT_EQ(plan.planned_state.GetAttr("token"), NullS());
}

TEST_F(PlanTest, CheckPlanValidCatchesEachViolation) {
  const Value config = Config().WithAttr("note", S("x"));
  const Value planned =
      PlanChange(block_, Prior(), Proposed().WithAttr("note", S("x")), config)
          .planned_state;
  struct Case {
    std::string name;
    Value prior;
    Value config;
    Value planned;
    std::vector<std::pair<std::string, std::string>> want;  // path, detail
  };
  const std::vector<Case> cases = {
      {"valid", Prior(), config, planned, {}},
      {"computed-only may be anything",
       Prior(),
       config,
       planned.WithAttr("status", S("whatever")),
       {}},
      {"optional+computed null in config may be anything",
       Prior(),
       config,
       planned.WithAttr("label", S("other")),
       {}},
      {"planned != config for a non-computed attribute",
       Prior(),
       config,
       planned.WithAttr("note", S("y")),
       {{"note", "does not match the configured value"}}},
      {"planned != config for optional+computed set in config",
       Prior(),
       config.WithAttr("label", S("mine")),
       planned.WithAttr("label", S("yours")),
       {{"label", "does not match the configured value"}}},
      {"non-null for a null non-computed attribute",
       Prior(),
       config.WithAttr("tags", Value::Null(Type::Map(Type::String()))),
       planned.WithAttr("tags", Value::Map(Type::String(), {})),
       {{"tags", "for a non-computed attribute must be null"}}},
      {"write-only planned non-null",
       Prior(),
       config,
       planned.WithAttr("token", S("secret")),
       {{"token", "write-only attributes must be planned as null"}}},
      {"configured value planned unknown",
       Prior(),
       config,
       planned.WithAttr("note", UnkS()),
       {{"note", "does not match the configured value"}}},
      {"planned == prior for a normalised value",
       Prior().WithAttr("note", S("X")),
       config,
       planned.WithAttr("note", S("X")),
       {}},
      {"prior kept only when config is set",
       Prior().WithAttr("note", S("X")),
       config.WithAttr("note", NullS()),
       planned.WithAttr("note", S("X")),
       {{"note", "for a non-computed attribute must be null"}}},
      {"block count mismatch",
       Prior(),
       config,
       planned.WithAttr("rule", Rules({Rule(N(80), S("tcp"), UnkS()),
                                       Rule(N(81), S("tcp"), UnkS())})),
       {{"rule", "planned with 2 blocks but configured with 1"}}},
      {"attribute inside a list block",
       Prior(),
       config,
       planned.WithAttr("rule", Rules({Rule(N(81), S("tcp"), UnkS())})),
       {{"rule[0].port", "does not match the configured value"}}},
      {"list block planned null",
       Prior(),
       config,
       planned.WithAttr("volume",
                        Value::Null(block_.FindBlock("volume")->ImpliedType())),
       {{"volume", "must be planned empty to mean no blocks, not null"}}},
      {"list block planned unknown",
       Prior(),
       config,
       planned.WithAttr(
           "rule", Value::Unknown(block_.FindBlock("rule")->ImpliedType())),
       {{"rule", "must not be planned unknown as a whole"}}},
      {"single block planned although not configured",
       Prior(),
       config.WithAttr(
           "settings",
           Value::Null(block_.FindBlock("settings")->ImpliedType())),
       planned,
       {{"settings", "planned a block that is not configured"}}},
      {"single block missing from the plan",
       Prior(),
       config,
       planned.WithAttr(
           "settings",
           Value::Null(block_.FindBlock("settings")->ImpliedType())),
       {{"settings", "planned no block although one is configured"}}},
      {"attribute inside a single block",
       Prior(),
       config.WithAttr("settings", Settings(S("c"), NullS())),
       planned.WithAttr("settings", Settings(S("b"), UnkS())),
       {{"settings.mode", "does not match the configured value"}}},
      {"block planned for an unknown (dynamic) block",
       Prior(),
       config.WithAttr("rule",
                       Value::Unknown(block_.FindBlock("rule")->ImpliedType())),
       planned,
       {{"rule", "whose configuration is unknown"}}},
      {"nested attribute planned null although configured",
       Prior(),
       config,
       planned.WithAttr(
           "mounts", Value::Null(block_.FindAttribute("mounts")->ValueType())),
       {{"mounts", "planned null although the configuration sets it"}}},
      {"nested attribute planned unknown although configured",
       Prior(),
       config,
       planned.WithAttr(
           "mounts",
           Value::Unknown(block_.FindAttribute("mounts")->ValueType())),
       {{"mounts", "planned unknown for a configured value"}}},
      {"nested attribute: computed and default parts may be planned",
       Prior(),
       config,
       planned.WithAttr("mounts", Mounts({Mount(S("/a"), S("rw"), S("u9"))})),
       {}},
      {"nested attribute: configured part changed",
       Prior(),
       config,
       planned.WithAttr("mounts", Mounts({Mount(S("/b"), S("rw"), UnkS())})),
       {{"mounts[0].target", "does not match the configured value"}}},
      {"nested attribute: element count changed",
       Prior(),
       config,
       planned.WithAttr("mounts", Mounts({Mount(S("/a"), S("rw"), UnkS()),
                                          Mount(S("/b"), S("rw"), UnkS())})),
       {{"mounts", "planned with 2 elements but configured with 1"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Diagnostics diags;
    CheckPlanValid(block_, c.prior, c.config, c.planned, &diags);
    std::vector<std::pair<std::string, std::string>> got;
    for (const DiagView& d : View(diags)) {
      EXPECT_EQ(d.severity, Diagnostic::Severity::kError);
      EXPECT_EQ(d.summary, "Provider Produced Invalid Plan");
      got.emplace_back(d.path, d.detail);
    }
    ASSERT_EQ(got.size(), c.want.size()) << diags.ToString();
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, c.want[i].first);
      EXPECT_THAT(got[i].second, HasSubstr(c.want[i].second));
    }
  }
}

TEST_F(PlanTest, CheckPlanValidNullOnlyOnDestroy) {
  Diagnostics diags;
  CheckPlanValid(block_, Prior(), Value::Null(block_.ImpliedType()),
                 Value::Null(block_.ImpliedType()), &diags);
  EXPECT_TRUE(diags.empty());

  CheckPlanValid(block_, Prior(), Config(), Value::Null(block_.ImpliedType()),
                 &diags);
  CheckPlanValid(block_, Prior(), Value::Null(block_.ImpliedType()), Prior(),
                 &diags);
  ASSERT_EQ(diags.size(), 2u);
  for (const Diagnostic& d : diags.items()) {
    EXPECT_EQ(d.summary, "Provider Produced Invalid Plan");
    EXPECT_THAT(d.detail, HasSubstr("null exactly when the configuration is"));
    EXPECT_EQ(d.path, std::nullopt);
  }
}

TEST(CheckApplyConsistentTest, Cases) {
  const Type elem =
      Type::Object({{"port", Type::Number()}, {"id", Type::String()}});
  auto obj = [](std::map<std::string, Value> attrs) {
    return Value::Object(std::move(attrs));
  };
  auto rules = [&](std::vector<Value> e) {
    return Value::List(elem, std::move(e));
  };
  auto rule = [&](Value port, Value id) {
    return obj({{"port", port}, {"id", id}});
  };
  auto tags = [](std::map<std::string, Value> e) {
    return Value::Map(Type::String(), std::move(e));
  };
  auto set = [](std::vector<Value> e) {
    return Value::Set(Type::String(), std::move(e));
  };
  const Value planned =
      obj({{"id", UnkS()},
           {"note", S("a")},
           {"rule", rules({rule(N(80), UnkS())})},
           {"tags", tags({{"a", S("1")}})},
           {"set", set({S("x")})},
           {"later", Value::Unknown(Type::Set(Type::String()))}});
  const Value actual = obj({{"id", S("i-1")},
                            {"note", S("a")},
                            {"rule", rules({rule(N(80), S("r1"))})},
                            {"tags", tags({{"a", S("1")}})},
                            {"set", set({S("x")})},
                            {"later", set({S("p"), S("q")})}});
  struct Case {
    std::string name;
    Value planned;
    Value actual;
    std::string summary;
    std::vector<std::pair<std::string, std::string>> want;  // path, detail
  };
  const std::string kUnknown = "Provider Returned Unknown Value";
  const std::string kInconsistent =
      "Provider Produced Inconsistent Result After Apply";
  const std::vector<Case> cases = {
      {"consistent", planned, actual, "", {}},
      {"unknown left at the top",
       planned,
       actual.WithAttr("id", UnkS()),
       kUnknown,
       {{"id", "left id unknown after apply"}}},
      {"unknown left in a list",
       planned,
       actual.WithAttr("rule", rules({rule(N(80), UnkS())})),
       kUnknown,
       {{"rule[0].id", "left rule[0].id unknown"}}},
      {"unknown left in a map",
       planned,
       actual.WithAttr("tags", tags({{"a", UnkS()}})),
       kUnknown,
       {{"tags[\"a\"]", "unknown"}}},
      {"unknown left in a set points at the set",
       planned,
       actual.WithAttr("later", set({S("p"), UnkS()})),
       kUnknown,
       {{"later", "left later unknown"}}},
      {"whole object unknown",
       planned,
       Value::Unknown(planned.type()),
       kUnknown,
       {{"<none>", "left the object unknown"}}},
      {"changed known value",
       planned,
       actual.WithAttr("note", S("b")),
       kInconsistent,
       {{"note", "was \"a\", but now \"b\""}}},
      {"changed value in a list",
       planned,
       actual.WithAttr("rule", rules({rule(N(81), S("r1"))})),
       kInconsistent,
       {{"rule[0].port", "was 80, but now 81"}}},
      {"list length changed",
       planned,
       actual.WithAttr("rule",
                       rules({rule(N(80), S("r1")), rule(N(90), S("r2"))})),
       kInconsistent,
       {{"rule", "but now"}}},
      {"changed value in a map",
       planned,
       actual.WithAttr("tags", tags({{"a", S("2")}})),
       kInconsistent,
       {{"tags[\"a\"]", "was \"1\", but now \"2\""}}},
      {"map key renamed",
       planned,
       actual.WithAttr("tags", tags({{"b", S("1")}})),
       kInconsistent,
       {{"tags[\"a\"]", "but now"}}},
      {"map grew",
       planned,
       actual.WithAttr("tags", tags({{"a", S("1")}, {"b", S("2")}})),
       kInconsistent,
       {{"tags", "but now"}}},
      {"set changed",
       planned,
       actual.WithAttr("set", set({S("y")})),
       kInconsistent,
       {{"set", "but now"}}},
      {"planned null, now set",
       planned.WithAttr("note", NullS()),
       actual,
       kInconsistent,
       {{"note", "was null, but now \"a\""}}},
      {"planned set, now null",
       planned,
       actual.WithAttr("note", NullS()),
       kInconsistent,
       {{"note", "was \"a\", but now null"}}},
      {"delete: both null",
       Value::Null(planned.type()),
       Value::Null(planned.type()),
       "",
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Diagnostics diags;
    CheckApplyConsistent(c.planned, c.actual, &diags);
    std::vector<std::pair<std::string, std::string>> got;
    for (const DiagView& d : View(diags)) {
      EXPECT_EQ(d.severity, Diagnostic::Severity::kError);
      EXPECT_EQ(d.summary, c.summary);
      got.emplace_back(d.path, d.detail);
    }
    ASSERT_EQ(got.size(), c.want.size()) << diags.ToString();
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, c.want[i].first);
      EXPECT_THAT(got[i].second, HasSubstr(c.want[i].second));
    }
  }
}

TEST(CheckApplyConsistentTest, ChecksEvenWhenDiagnosticsAlreadyHoldAnError) {
  Diagnostics diags;
  diags.AddError("Earlier", "an unrelated earlier error");
  CheckApplyConsistent(Value::Object({{"a", S("x")}}),
                       Value::Object({{"a", S("y")}}), &diags);
  ASSERT_EQ(diags.size(), 2u) << diags.ToString();
  EXPECT_EQ(diags.items()[1].path, Path::FromAttr("a"));
}

TEST(NullWriteOnlyTest, EveryNesting) {
  const std::vector<Attribute> inner = {
      Attribute("w", Type::String()).Optional().WriteOnly(),
      Attribute("k", Type::String()).Optional()};
  Block block;
  block.attributes = {
      Attribute("w", Type::String()).Optional().WriteOnly(),
      Attribute("k", Type::String()).Optional(),
      Attribute("single", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kSingle, inner),
      Attribute("list", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kList, inner),
      Attribute("map", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kMap, inner),
  };
  for (auto nesting :
       {NestedBlock::Nesting::kSingle, NestedBlock::Nesting::kList,
        NestedBlock::Nesting::kMap, NestedBlock::Nesting::kGroup}) {
    NestedBlock nb;
    nb.nesting = nesting;
    nb.block.attributes = inner;
    nb.type_name = nesting == NestedBlock::Nesting::kSingle ? "b_single"
                   : nesting == NestedBlock::Nesting::kList ? "b_list"
                   : nesting == NestedBlock::Nesting::kMap  ? "b_map"
                                                            : "b_group";
    block.block_types.push_back(nb);
  }
  const Type inner_type =
      Type::Object({{"w", Type::String()}, {"k", Type::String()}});
  auto in = [](Value w) { return Value::Object({{"w", w}, {"k", S("keep")}}); };
  auto make = [&](Value w) {
    return Value::Object({{"w", w},
                          {"k", S("keep")},
                          {"single", in(w)},
                          {"list", Value::List(inner_type, {in(w), in(w)})},
                          {"map", Value::Map(inner_type, {{"x", in(w)}})},
                          {"b_single", in(w)},
                          {"b_list", Value::List(inner_type, {in(w)})},
                          {"b_map", Value::Map(inner_type, {{"x", in(w)}})},
                          {"b_group", in(w)}});
  };
  EXPECT_EQ(NullWriteOnly(block, make(S("secret"))), make(NullS()));
  EXPECT_EQ(NullWriteOnly(block, Value::Null(block.ImpliedType())),
            Value::Null(block.ImpliedType()));
  EXPECT_EQ(NullWriteOnly(block, Value::Unknown(block.ImpliedType())),
            Value::Unknown(block.ImpliedType()));
}

TEST(ValidateConfigValueTest, DeprecatedGroupBlockWarnsOnlyWhenWritten) {
  Block block;
  NestedBlock group;
  group.type_name = "g";
  group.nesting = NestedBlock::Nesting::kGroup;
  group.block.deprecation_message = "Drop g.";
  group.block.attributes = {Attribute("a", Type::String()).Optional()};
  block.block_types = {group};
  Diagnostics absent;
  ValidateConfigValue(block, schema::EmptyObject(block), &absent);
  EXPECT_TRUE(absent.empty()) << absent.ToString();

  Diagnostics written;
  ValidateConfigValue(
      block, Value::Object({{"g", Value::Object({{"a", S("x")}})}}), &written);
  EXPECT_THAT(
      written.items(),
      ElementsAre(Diagnostic{Diagnostic::Severity::kWarning, "Deprecated Block",
                             "Drop g.", Path::FromAttr("g")}));
}

TEST(ValidateConfigValueTest, ValidatorsDeprecationsAndBlockCounts) {
  auto no_x = [](const Value& v) -> absl::Status {
    if (v.type() == Type::String() && v.AsString() == "x") {
      return absl::InvalidArgumentError("must not be \"x\"");
    }
    return absl::OkStatus();
  };
  int calls = 0;
  auto counting = [&calls](const Value&) {
    ++calls;
    return absl::OkStatus();
  };
  Block block;
  block.attributes = {
      Attribute("a", Type::String())
          .Optional()
          .Validate(no_x)
          .Validate(counting),
      Attribute("old", Type::String()).Optional().Deprecated("Use a."),
      Attribute("mounts", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kList,
                  {Attribute("t", Type::String()).Optional().Validate(no_x)}),
      Attribute("byname", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kMap,
                  {Attribute("t", Type::String()).Optional().Validate(no_x)}),
  };
  NestedBlock rule;
  rule.type_name = "rule";
  rule.nesting = NestedBlock::Nesting::kList;
  rule.min_items = 1;
  rule.max_items = 2;
  rule.block.attributes = {
      Attribute("t", Type::String()).Optional().Validate(no_x)};
  NestedBlock legacy;
  legacy.type_name = "legacy";
  legacy.nesting = NestedBlock::Nesting::kSingle;
  legacy.block.deprecation_message = "Remove the legacy block.";
  legacy.block.attributes = {Attribute("t", Type::String()).Optional()};
  NestedBlock named;
  named.type_name = "named";
  named.nesting = NestedBlock::Nesting::kMap;
  named.block.attributes = {
      Attribute("t", Type::String()).Optional().Validate(no_x)};
  block.block_types = {rule, legacy, named};

  const Type t_obj = Type::Object({{"t", Type::String()}});
  auto t = [](Value v) { return Value::Object({{"t", v}}); };
  auto rules = [&](std::vector<Value> e) {
    return Value::List(t_obj, std::move(e));
  };
  const Value ok = schema::Conform(
      block, Value::Object({{"a", S("fine")}, {"rule", rules({t(S("y"))})}}));

  struct Case {
    std::string name;
    Value config;
    std::vector<std::tuple<Diagnostic::Severity, std::string, std::string>>
        want;
  };
  const auto kErr = Diagnostic::Severity::kError;
  const auto kWarn = Diagnostic::Severity::kWarning;
  const std::vector<Case> cases = {
      {"valid", ok, {}},
      {"validator error with path",
       ok.WithAttr("a", S("x")),
       {{kErr, "a", "must not be \"x\""}}},
      {"unknown is not validated", ok.WithAttr("a", UnkS()), {}},
      {"null is not validated", ok.WithAttr("a", NullS()), {}},
      {"deprecated attribute set",
       ok.WithAttr("old", S("v")),
       {{kWarn, "old", "Use a."}}},
      {"deprecated attribute unset", ok.WithAttr("old", NullS()), {}},
      {"nested list attribute",
       ok.WithAttr("mounts", Value::List(t_obj, {t(S("y")), t(S("x"))})),
       {{kErr, "mounts[1].t", "must not be \"x\""}}},
      {"nested map attribute",
       ok.WithAttr("byname", Value::Map(t_obj, {{"k", t(S("x"))}})),
       {{kErr, "byname[\"k\"].t", "must not be \"x\""}}},
      {"list block element",
       ok.WithAttr("rule", rules({t(S("x"))})),
       {{kErr, "rule[0].t", "must not be \"x\""}}},
      {"map block element",
       ok.WithAttr("named", Value::Map(t_obj, {{"n1", t(S("x"))}})),
       {{kErr, "named[\"n1\"].t", "must not be \"x\""}}},
      {"deprecated block present",
       ok.WithAttr("legacy", t(NullS())),
       {{kWarn, "legacy", "Remove the legacy block."}}},
      {"too few blocks",
       ok.WithAttr("rule", rules({})),
       {{kErr, "rule", "At least 1 \"rule\" block(s) are required; 0 given."}}},
      {"too many blocks",
       ok.WithAttr("rule", rules({t(S("1")), t(S("2")), t(S("3"))})),
       {{kErr, "rule", "At most 2 \"rule\" block(s) are allowed; 3 given."}}},
      {"unknown block elements are not counted",
       ok.WithAttr("rule",
                   rules({t(S("1")), t(S("2")), Value::Unknown(t_obj)})),
       {}},
      {"unknown block list is skipped",
       ok.WithAttr("rule", Value::Unknown(Type::List(t_obj))),
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Diagnostics diags;
    ValidateConfigValue(block, c.config, &diags);
    ASSERT_EQ(diags.size(), c.want.size()) << diags.ToString();
    for (size_t i = 0; i < c.want.size(); ++i) {
      const Diagnostic& d = diags.items()[i];
      EXPECT_EQ(d.severity, std::get<0>(c.want[i]));
      ASSERT_TRUE(d.path.has_value());
      EXPECT_EQ(d.path->ToString(), std::get<1>(c.want[i]));
      EXPECT_THAT(d.detail, HasSubstr(std::get<2>(c.want[i])));
    }
  }
  EXPECT_GT(calls, 0);
}

}  // namespace
}  // namespace cvm::framework
