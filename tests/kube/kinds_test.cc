// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/kinds.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ObjectPathTest, BuildsPathsForEveryKindShape) {
  struct Case {
    std::string name;
    ObjectRef ref;
    std::string want;
  };
  std::vector<Case> cases = {
      {"core namespaced",
       {"v1", "Pod", "default", "ws-1"},
       "/api/v1/namespaces/default/pods/ws-1"},
      {"core pvc",
       {"v1", "PersistentVolumeClaim", "team", "home"},
       "/api/v1/namespaces/team/persistentvolumeclaims/home"},
      {"core cluster-scoped",
       {"v1", "Namespace", "", "team"},
       "/api/v1/namespaces/team"},
      {"node", {"v1", "Node", "", "n1"}, "/api/v1/nodes/n1"},
      {"group cluster-scoped",
       {"node.k8s.io/v1", "RuntimeClass", "", "sysbox-runc"},
       "/apis/node.k8s.io/v1/runtimeclasses/sysbox-runc"},
      {"group namespaced",
       {"coordination.k8s.io/v1", "Lease", "kube-node-lease", "n1"},
       "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::string> path = ObjectPath(c.ref);
    ASSERT_THAT(path, IsOk());
    EXPECT_EQ(*path, c.want);
  }
}

TEST(ObjectPathTest, RejectsBadRefs) {
  struct Case {
    std::string name;
    ObjectRef ref;
    std::string message;
  };
  std::vector<Case> cases = {
      {"unknown kind", {"apps/v1", "Deployment", "d", "x"}, "unsupported kind"},
      {"no namespace", {"v1", "Pod", "", "x"}, "namespaced"},
      {"namespace on cluster kind",
       {"v1", "Node", "default", "x"},
       "cluster-scoped"},
      {"empty name", {"v1", "Pod", "default", ""}, "name is empty"},
      {"slash in name",
       {"v1", "Pod", "default", "a/b"},
       "not a valid path segment"},
      {"dotdot namespace",
       {"v1", "Pod", "..", "x"},
       "not a valid path segment"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(ObjectPath(c.ref), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr(c.message)));
  }
}

TEST(ObjectRefTest, FromObjectReadsManifestFields) {
  nlohmann::json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", "ws-1"}, {"namespace", "default"}}}};
  CVM_ASSERT_OK_AND_ASSIGN(ObjectRef ref, ObjectRef::FromObject(pod));
  EXPECT_EQ(ref, (ObjectRef{"v1", "Pod", "default", "ws-1"}));
  EXPECT_EQ(ref.Describe(), "pods default/ws-1");
  EXPECT_EQ((ObjectRef{"node.k8s.io/v1", "RuntimeClass", "", "r"}).Describe(),
            "runtimeclasses r");

  EXPECT_THAT(
      ObjectRef::FromObject({{"kind", "Pod"}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("apiVersion")));
  EXPECT_THAT(
      ObjectRef::FromObject(
          {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", 3}}}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metadata.name")));
}

TEST(CollectionPathTest, AllNamespacesAndEscaping) {
  CVM_ASSERT_OK_AND_ASSIGN(ResourceKind pod, LookupKind("v1", "Pod"));
  EXPECT_EQ(CollectionPath(pod, ""), "/api/v1/pods");
  EXPECT_EQ(CollectionPath(pod, "ns"), "/api/v1/namespaces/ns/pods");
  EXPECT_EQ(EscapeQueryValue("metadata.name=a b,c!=d"),
            "metadata.name%3Da%20b%2Cc%21%3Dd");
}

}  // namespace
}  // namespace cvm::kube
