// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/settings.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace cvm::resources {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

ClusterSettings NonDefaultSettings() {
  ClusterSettings s;
  s.namespace_name = "team-a";
  s.manage_namespace = true;
  s.pod_security = "baseline";
  s.caching = true;
  s.auto_load_shiftfs = true;
  s.gpu_vendor = "nvidia";
  s.docker_bridge_cidr = "10.20.0.0/24";
  s.tun = true;
  s.fuse = true;
  s.runtime_class_name = "sysbox";
  s.runtime_class_handler = "sysbox-runc-v2";
  s.runtime_class_node_selector = {{"pool", "cvm"},
                                   {"sysbox-runtime", "running"}};
  s.manage_runtime_class = true;
  s.force_destroy = true;
  return s;
}

TEST(SettingsConfigMapTest, DefaultSettingsAsAConfigMap) {
  ClusterSettings s;
  s.namespace_name = "coder";
  const json want = json::parse(R"({
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
      "name": "cvm-cluster-settings",
      "namespace": "coder",
      "labels": {
        "app.kubernetes.io/managed-by": "terraform-provider-cvm",
        "cvm.coder.com/component": "cluster-settings"
      }
    },
    "data": {
      "manage_namespace": "false",
      "pod_security": "privileged",
      "caching": "false",
      "auto_load_shiftfs": "false",
      "gpu_vendor": "none",
      "docker_bridge_cidr": "172.19.0.0/30",
      "tun": "false",
      "fuse": "false",
      "runtime_class_name": "sysbox-runc",
      "runtime_class_handler": "sysbox-runc",
      "runtime_class_node_selector": "{\"sysbox-runtime\":\"running\"}",
      "runtime_class_manage": "false",
      "force_destroy": "false",
      "host_path_mounts": "[{\"mount_path\":\"/usr/src\",\"path\":\"/usr/src\",\"read_only\":true},{\"mount_path\":\"/lib/modules\",\"path\":\"/lib/modules\",\"read_only\":true}]"
    }
  })");
  EXPECT_EQ(SettingsConfigMap(s), want);
}

TEST(SettingsConfigMapTest, EveryDataValueIsAString) {
  // ConfigMap data is map[string]string; anything else is rejected by the
  // API server.
  for (const ClusterSettings& s : {ClusterSettings(), NonDefaultSettings()}) {
    const json cm = SettingsConfigMap(s);
    ASSERT_TRUE(cm["data"].is_object());
    for (auto it = cm["data"].begin(); it != cm["data"].end(); ++it) {
      SCOPED_TRACE(it.key());
      EXPECT_TRUE(it.value().is_string());
    }
  }
}

TEST(SettingsConfigMapTest, HostPathMountsFollowTheSettings) {
  ClusterSettings s = NonDefaultSettings();
  EXPECT_EQ(SettingsConfigMap(s)["data"]["host_path_mounts"],
            "[{\"mount_path\":\"/usr/src\",\"path\":\"/usr/src\","
            "\"read_only\":false},"
            "{\"mount_path\":\"/lib/modules\",\"path\":\"/lib/modules\","
            "\"read_only\":false},"
            "{\"mount_path\":\"/mnt/host/var/run\",\"path\":\"/var/run\","
            "\"read_only\":true},"
            "{\"mount_path\":\"/mnt/host/var/lib\",\"path\":\"/var/lib\","
            "\"read_only\":false}]");
}

TEST(SettingsFromConfigMapTest, RoundTrips) {
  struct Case {
    std::string name;
    ClusterSettings settings;
  };
  ClusterSettings defaults;
  defaults.namespace_name = "coder";
  ClusterSettings empty_selector = NonDefaultSettings();
  empty_selector.runtime_class_node_selector.clear();
  ClusterSettings odd_strings = NonDefaultSettings();
  odd_strings.runtime_class_node_selector = {{"a/b", "x\"y"}, {"k", ""}};
  const std::vector<Case> cases = {
      {"defaults", defaults},
      {"every field changed", NonDefaultSettings()},
      {"empty node selector", empty_selector},
      {"node selector needing escapes", odd_strings},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<ClusterSettings> got =
        SettingsFromConfigMap(SettingsConfigMap(c.settings));
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(*got, c.settings);
  }
}

TEST(SettingsFromConfigMapTest, MissingKeysTakeDefaults) {
  struct Case {
    std::string name;
    json config_map;
    ClusterSettings want;
  };
  ClusterSettings in_ns;
  in_ns.namespace_name = "ns1";
  ClusterSettings partial = in_ns;
  partial.caching = true;
  partial.docker_bridge_cidr = "10.0.0.0/30";
  const std::vector<Case> cases = {
      {"empty object", json::object(), ClusterSettings()},
      {"no data", {{"metadata", {{"namespace", "ns1"}}}}, in_ns},
      {"data is not an object",
       {{"metadata", {{"namespace", "ns1"}}}, {"data", "oops"}},
       in_ns},
      {"empty data",
       {{"metadata", {{"namespace", "ns1"}}}, {"data", json::object()}},
       in_ns},
      {"some keys",
       {{"metadata", {{"namespace", "ns1"}}},
        {"data", {{"caching", "true"}, {"docker_bridge_cidr", "10.0.0.0/30"}}}},
       partial},
      {"unknown keys are ignored",
       {{"metadata", {{"namespace", "ns1"}}},
        {"data", {{"future_setting", "x"}, {"host_path_mounts", "garbage"}}}},
       in_ns},
      {"empty node selector text keeps the default",
       {{"metadata", {{"namespace", "ns1"}}},
        {"data", {{"runtime_class_node_selector", ""}}}},
       in_ns},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<ClusterSettings> got = SettingsFromConfigMap(c.config_map);
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(*got, c.want);
  }
}

TEST(SettingsFromConfigMapTest, MalformedBoolNamesTheKey) {
  const std::vector<std::string> keys = {"manage_namespace",
                                         "caching",
                                         "auto_load_shiftfs",
                                         "tun",
                                         "fuse",
                                         "runtime_class_manage",
                                         "force_destroy"};
  const std::vector<json> bad_values = {"yes", "True",     "1",
                                        "",    json(true), json(1)};
  for (const std::string& key : keys) {
    for (const json& value : bad_values) {
      SCOPED_TRACE(key + " = " + value.dump());
      json cm = SettingsConfigMap(NonDefaultSettings());
      cm["data"][key] = value;
      EXPECT_THAT(
          SettingsFromConfigMap(cm),
          StatusIs(absl::StatusCode::kInvalidArgument,
                   AllOf(HasSubstr("ConfigMap cvm-cluster-settings key \"" +
                                   key + "\" must be \"true\" or \"false\""),
                         HasSubstr("edited outside Terraform"))));
    }
  }
}

TEST(SettingsFromConfigMapTest, MalformedNodeSelector) {
  for (const std::string text : {"not json", "[\"a\"]", "\"x\"", "{\"a\":"}) {
    SCOPED_TRACE(text);
    json cm = SettingsConfigMap(NonDefaultSettings());
    cm["data"]["runtime_class_node_selector"] = text;
    EXPECT_THAT(
        SettingsFromConfigMap(cm),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 AllOf(HasSubstr("key \"runtime_class_node_selector\" is not "
                                 "a JSON object"),
                       HasSubstr("edited outside Terraform"))));
  }
}

TEST(ManagedLabelsTest, NamesTheManagerAndTheComponent) {
  EXPECT_EQ(
      ManagedLabels("workspace"),
      json::parse(R"({"app.kubernetes.io/managed-by": "terraform-provider-cvm",
                            "cvm.coder.com/component": "workspace"})"));
  EXPECT_EQ(
      ManagedLabels("cluster-settings"),
      json::parse(R"({"app.kubernetes.io/managed-by": "terraform-provider-cvm",
                            "cvm.coder.com/component": "cluster-settings"})"));
}

TEST(ClusterSettingsTest, HostPathsUseTheTable) {
  ClusterSettings s;
  s.caching = true;
  EXPECT_EQ(s.HostPaths(), HostPathMounts(true, false));
  s.auto_load_shiftfs = true;
  EXPECT_EQ(s.HostPaths(), HostPathMounts(true, true));
}

}  // namespace
}  // namespace cvm::resources
