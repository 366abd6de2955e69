// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The affinity block of cvm_workspace (see workspace_internal.h): the
// Kubernetes pod affinity in hashicorp/kubernetes' kubernetes_pod naming,
// its schema, the pod's spec.affinity it renders to, and its plan-time
// rules. Pure functions.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_internal.h"
#include "provider/values/path.h"

namespace cvm::resources::workspace_internal {
namespace {

using framework::Attr;
using framework::ElementsOf;
using framework::Diagnostics;
using framework::IntAttr;
using framework::StringAttr;
using framework::StringListAttr;
using schema::Attribute;
using schema::NestedBlock;
using values::Path;
using values::Type;
using values::Value;

constexpr char kRequired[] =
    "required_during_scheduling_ignored_during_execution";
constexpr char kPreferred[] =
    "preferred_during_scheduling_ignored_during_execution";

bool IsSet(const Value& v) { return v.IsKnown() && !v.IsNull(); }

NestedBlock MakeBlock(const char* name, NestedBlock::Nesting nesting,
                      std::string markdown) {
  NestedBlock b;
  b.type_name = name;
  b.nesting = nesting;
  b.block.markdown_description = std::move(markdown);
  return b;
}

// match_expressions: node selector requirements (`node`: also Gt and Lt)
// or label selector requirements.
NestedBlock MatchExpressionsBlock(bool node) {
  NestedBlock b =
      MakeBlock("match_expressions", NestedBlock::Nesting::kList,
                node ? "Node label requirements, all of which must hold."
                     : "Label requirements, all of which must hold.");
  std::vector<std::string> ops = {"In", "NotIn", "Exists", "DoesNotExist"};
  if (node) ops.insert(ops.end(), {"Gt", "Lt"});
  b.block.attributes = {
      Attribute("key", Type::String())
          .Required()
          .Validate(IsLabelKey())
          .Describe("The label key."),
      Attribute("operator", Type::String())
          .Required()
          .Validate(OneOf(ops))
          .DescribeMarkdown(
              node ? "`In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt` or `Lt`."
                   : "`In`, `NotIn`, `Exists` or `DoesNotExist`."),
      Attribute("values", Type::List(Type::String()))
          .Optional()
          .DescribeMarkdown(
              node ? "At least one for `In` and `NotIn`, none for `Exists` "
                     "and `DoesNotExist`, one integer for `Gt` and `Lt`."
                   : "At least one for `In` and `NotIn`, none for `Exists` "
                     "and `DoesNotExist`."),
  };
  return b;
}

NestedBlock WeightedBlock(const std::string& what) {
  NestedBlock b =
      MakeBlock(kPreferred, NestedBlock::Nesting::kList,
                absl::StrCat("Soft rules: the scheduler prefers nodes ", what,
                             ", summing the weights of the rules that hold."));
  b.block.attributes = {Attribute("weight", Type::Number())
                            .Required()
                            .Validate(IsIntInRange(1, 100))
                            .Describe("1 to 100.")};
  return b;
}

NestedBlock NodeAffinityBlock() {
  NestedBlock term =
      MakeBlock("node_selector_term", NestedBlock::Nesting::kList,
                "A node matches when any term holds.");
  term.block.block_types = {MatchExpressionsBlock(true)};
  NestedBlock required =
      MakeBlock(kRequired, NestedBlock::Nesting::kSingle,
                "Hard rule: the pod runs only on a node matching a term.");
  required.block.block_types = {term};
  NestedBlock preference =
      MakeBlock("preference", NestedBlock::Nesting::kSingle,
                "The node requirements (required).");
  preference.block.block_types = {MatchExpressionsBlock(true)};
  NestedBlock preferred = WeightedBlock("matching `preference`");
  preferred.block.block_types = {preference};
  NestedBlock b = MakeBlock("node_affinity", NestedBlock::Nesting::kSingle,
                            "Which nodes the pod may run on, by node labels "
                            "(`nodeAffinity`).");
  b.block.block_types = {required, preferred};
  return b;
}

// The block holding a pod affinity term's fields (label_selector,
// namespaces, topology_key).
NestedBlock PodAffinityTermBlock(const char* name, NestedBlock::Nesting nesting,
                                 std::string markdown) {
  NestedBlock selector =
      MakeBlock("label_selector", NestedBlock::Nesting::kSingle,
                "The pods the term is about; without it, none.");
  selector.block.attributes = {
      Attribute("match_labels", Type::Map(Type::String()))
          .Optional()
          .Validate(IsLabelMap())
          .Describe("Labels the pods have.")};
  selector.block.block_types = {MatchExpressionsBlock(false)};
  NestedBlock b = MakeBlock(name, nesting, std::move(markdown));
  b.block.attributes = {
      Attribute("topology_key", Type::String())
          .Required()
          .Validate(IsLabelKey())
          .DescribeMarkdown("The node label whose value makes a domain, e.g. "
                            "`kubernetes.io/hostname` (a node) or "
                            "`topology.kubernetes.io/zone`."),
      Attribute("namespaces", Type::List(Type::String()))
          .Optional()
          .Validate(EachElement(IsDnsLabel()))
          .Describe(
              "Namespaces of the pods; default: the workspace's namespace."),
  };
  b.block.block_types = {selector};
  return b;
}

NestedBlock PodAffinityBlock(const char* name, const char* field,
                             const char* relation) {
  NestedBlock preferred = WeightedBlock(
      absl::StrCat("whose domain ", relation, " pods matching the term"));
  preferred.block.block_types = {
      PodAffinityTermBlock("pod_affinity_term", NestedBlock::Nesting::kSingle,
                           "The term (required).")};
  NestedBlock b = MakeBlock(
      name, NestedBlock::Nesting::kSingle,
      absl::StrCat("Where the pod may run relative to other pods: in a "
                   "domain that ",
                   relation, " pods matching a term (`", field, "`)."));
  b.block.block_types = {
      PodAffinityTermBlock(
          kRequired, NestedBlock::Nesting::kList,
          absl::StrCat("Hard rules: each term must hold, the domain ", relation,
                       " a matching pod.")),
      preferred};
  return b;
}

nlohmann::json MatchExpressionsJson(const Value& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const Value& e : ElementsOf(list)) {
    nlohmann::json r = {{"key", StringAttr(e, "key").value_or("")},
                        {"operator", StringAttr(e, "operator").value_or("")}};
    const auto values = StringListAttr(e, "values");
    if (values && !values->empty()) r["values"] = *values;
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json NodeSelectorTermJson(const Value& term) {
  nlohmann::json j = nlohmann::json::object();
  nlohmann::json e = MatchExpressionsJson(Attr(term, "match_expressions"));
  if (!e.empty()) j["matchExpressions"] = std::move(e);
  return j;
}

nlohmann::json NodeAffinityJson(const Value& node) {
  nlohmann::json j = nlohmann::json::object();
  const Value& required = Attr(node, kRequired);
  if (IsSet(required)) {
    nlohmann::json terms = nlohmann::json::array();
    for (const Value& t : ElementsOf(Attr(required, "node_selector_term"))) {
      terms.push_back(NodeSelectorTermJson(t));
    }
    j["requiredDuringSchedulingIgnoredDuringExecution"] = {
        {"nodeSelectorTerms", std::move(terms)}};
  }
  nlohmann::json preferred = nlohmann::json::array();
  for (const Value& p : ElementsOf(Attr(node, kPreferred))) {
    preferred.push_back(
        {{"weight", IntAttr(p, "weight").value_or(0)},
         {"preference", NodeSelectorTermJson(Attr(p, "preference"))}});
  }
  if (!preferred.empty()) {
    j["preferredDuringSchedulingIgnoredDuringExecution"] = std::move(preferred);
  }
  return j;
}

nlohmann::json PodAffinityTermJson(const Value& term) {
  nlohmann::json j = {
      {"topologyKey", StringAttr(term, "topology_key").value_or("")}};
  const Value& selector = Attr(term, "label_selector");
  if (IsSet(selector)) {
    nlohmann::json s = nlohmann::json::object();
    if (auto labels = framework::StringMapAttr(selector, "match_labels");
        labels && !labels->empty()) {
      s["matchLabels"] = *labels;
    }
    nlohmann::json e =
        MatchExpressionsJson(Attr(selector, "match_expressions"));
    if (!e.empty()) s["matchExpressions"] = std::move(e);
    j["labelSelector"] = std::move(s);
  }
  if (auto ns = StringListAttr(term, "namespaces"); ns && !ns->empty()) {
    j["namespaces"] = *ns;
  }
  return j;
}

nlohmann::json PodAffinityJson(const Value& pod) {
  nlohmann::json j = nlohmann::json::object();
  nlohmann::json required = nlohmann::json::array();
  for (const Value& t : ElementsOf(Attr(pod, kRequired))) {
    required.push_back(PodAffinityTermJson(t));
  }
  if (!required.empty()) {
    j["requiredDuringSchedulingIgnoredDuringExecution"] = std::move(required);
  }
  nlohmann::json preferred = nlohmann::json::array();
  for (const Value& p : ElementsOf(Attr(pod, kPreferred))) {
    preferred.push_back({{"weight", IntAttr(p, "weight").value_or(0)},
                         {"podAffinityTerm",
                          PodAffinityTermJson(Attr(p, "pod_affinity_term"))}});
  }
  if (!preferred.empty()) {
    j["preferredDuringSchedulingIgnoredDuringExecution"] = std::move(preferred);
  }
  return j;
}

// Kubernetes' rules on a requirement's values by operator
// (ValidateNodeSelectorRequirement, ValidateLabelSelectorRequirement).
void CheckRequirement(const Value& e, const Path& path, Diagnostics* diags) {
  const std::optional<std::string> op = StringAttr(e, "operator");
  if (!op || Attr(e, "values").IsUnknown()) return;
  const std::vector<std::string> values =
      StringListAttr(e, "values").value_or(std::vector<std::string>{});
  std::string problem;
  if ((*op == "In" || *op == "NotIn") && values.empty()) {
    problem = "needs at least one value";
  } else if ((*op == "Exists" || *op == "DoesNotExist") && !values.empty()) {
    problem = "takes no values";
  } else if (*op == "Gt" || *op == "Lt") {
    int64_t n = 0;
    if (values.size() != 1 || !absl::SimpleAtoi(values[0], &n)) {
      problem = "takes exactly one value, an integer";
    }
  }
  if (problem.empty()) return;
  diags->AddAttributeError(
      path.Attr("values"), "Invalid Match Expression",
      absl::StrCat("Operator ", *op, " ", problem, " (key ",
                   QuoteValue(StringAttr(e, "key").value_or("")), ")."));
}

// The match_expressions of `parent` at `path`. With `if_empty` (the
// summary), at least one: an empty node selector term matches no node.
void CheckExpressions(const Value& parent, const Path& path,
                      const char* if_empty, Diagnostics* diags) {
  const Value& list = Attr(parent, "match_expressions");
  if (list.IsUnknown()) return;
  if (if_empty != nullptr && ElementsOf(list).empty()) {
    diags->AddAttributeError(
        path, if_empty,
        "Give it at least one match_expressions block: an empty node "
        "selector term matches no node.");
  }
  for (size_t i = 0; i < ElementsOf(list).size(); ++i) {
    CheckRequirement(
        ElementsOf(list)[i],
        path.Attr("match_expressions").Index(static_cast<int64_t>(i)), diags);
  }
}

void CheckNodeAffinity(const Value& node, const Path& path,
                       Diagnostics* diags) {
  const Value& required = Attr(node, kRequired);
  if (IsSet(required)) {
    const Value& terms = Attr(required, "node_selector_term");
    const Path at = path.Attr(kRequired);
    if (!terms.IsUnknown() && ElementsOf(terms).empty()) {
      diags->AddAttributeError(
          at, "No Node Selector Term",
          "Give at least one node_selector_term block: without one, no "
          "node matches and the pod is never scheduled.");
    }
    for (size_t i = 0; i < ElementsOf(terms).size(); ++i) {
      CheckExpressions(
          ElementsOf(terms)[i],
          at.Attr("node_selector_term").Index(static_cast<int64_t>(i)),
          "Empty Node Selector Term", diags);
    }
  }
  const Value& preferred = Attr(node, kPreferred);
  for (size_t i = 0; i < ElementsOf(preferred).size(); ++i) {
    const Path at = path.Attr(kPreferred).Index(static_cast<int64_t>(i));
    const Value& preference = Attr(ElementsOf(preferred)[i], "preference");
    if (preference.IsNull()) {
      diags->AddAttributeError(at, "Missing Preference",
                               "Give the rule a preference block: the node "
                               "requirements it prefers.");
      continue;
    }
    CheckExpressions(preference, at.Attr("preference"), "Empty Preference",
                     diags);
  }
}

void CheckPodAffinityTerm(const Value& term, const Path& path,
                          Diagnostics* diags) {
  const Value& selector = Attr(term, "label_selector");
  if (!IsSet(selector)) return;
  CheckExpressions(selector, path.Attr("label_selector"), nullptr, diags);
}

void CheckPodAffinity(const Value& pod, const Path& path, Diagnostics* diags) {
  const Value& required = Attr(pod, kRequired);
  for (size_t i = 0; i < ElementsOf(required).size(); ++i) {
    CheckPodAffinityTerm(ElementsOf(required)[i],
                         path.Attr(kRequired).Index(static_cast<int64_t>(i)),
                         diags);
  }
  const Value& preferred = Attr(pod, kPreferred);
  for (size_t i = 0; i < ElementsOf(preferred).size(); ++i) {
    const Path at = path.Attr(kPreferred).Index(static_cast<int64_t>(i));
    const Value& term = Attr(ElementsOf(preferred)[i], "pod_affinity_term");
    if (term.IsNull()) {
      diags->AddAttributeError(at, "Missing Pod Affinity Term",
                               "Give the rule a pod_affinity_term block: "
                               "the pods and the topology it is about.");
      continue;
    }
    CheckPodAffinityTerm(term, at.Attr("pod_affinity_term"), diags);
  }
}

}  // namespace

NestedBlock AffinityBlock() {
  NestedBlock b = MakeBlock(
      "affinity", NestedBlock::Nesting::kSingle,
      "The pod's `affinity`, in the Kubernetes shape with the names of the "
      "`kubernetes_pod` resource: node affinity, pod affinity and pod "
      "anti-affinity. In sysbox mode the RuntimeClass's node selector "
      "applies as well.");
  b.block.block_types = {
      NodeAffinityBlock(),
      PodAffinityBlock("pod_affinity", "podAffinity", "has"),
      PodAffinityBlock("pod_anti_affinity", "podAntiAffinity", "has no"),
  };
  return b;
}

nlohmann::json AffinityFromValue(const Value& object) {
  const Value& a = Attr(object, "affinity");
  if (!IsSet(a)) return nullptr;
  nlohmann::json j = nlohmann::json::object();
  const std::pair<const char*, const char*> kinds[] = {
      {"pod_affinity", "podAffinity"},
      {"pod_anti_affinity", "podAntiAffinity"}};
  if (const Value& node = Attr(a, "node_affinity"); IsSet(node)) {
    nlohmann::json n = NodeAffinityJson(node);
    if (!n.empty()) j["nodeAffinity"] = std::move(n);
  }
  for (const auto& [name, field] : kinds) {
    if (const Value& pod = Attr(a, name); IsSet(pod)) {
      nlohmann::json p = PodAffinityJson(pod);
      if (!p.empty()) j[field] = std::move(p);
    }
  }
  if (j.empty()) return nullptr;
  return j;
}

void ValidateAffinity(const Value& config, Diagnostics* diags) {
  const Value& a = Attr(config, "affinity");
  if (!IsSet(a)) return;
  const Path path = Path::FromAttr("affinity");
  if (const Value& node = Attr(a, "node_affinity"); IsSet(node)) {
    CheckNodeAffinity(node, path.Attr("node_affinity"), diags);
  }
  for (const char* name : {"pod_affinity", "pod_anti_affinity"}) {
    if (const Value& pod = Attr(a, name); IsSet(pod)) {
      CheckPodAffinity(pod, path.Attr(name), diags);
    }
  }
}

}  // namespace cvm::resources::workspace_internal
