// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Fakes of framework::Provider, Resource and DataSource for tests of
// framework/ and protocol/: one std::function per method, like
// terraform-plugin-framework's internal/testing/testprovider. An unset
// function leaves the framework's pre-filled response alone (or, for
// ImportState and UpgradeState, keeps the base class default).
//
// Example:
//   FakeResource r("cvm_thing", schema);
//   r.create = [](const CreateRequest& req, ApplyResponse* resp) {
//     resp->new_state = resp->new_state.WithAttr("id", Value::String("x"));
//   };
//   FakeProvider p;
//   p.resources = {&r};
//   framework::Server server(&p);

#ifndef CVM_TESTS_TESTING_FAKE_PROVIDER_H_
#define CVM_TESTS_TESTING_FAKE_PROVIDER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "provider/framework/resource.h"
#include "provider/schema/schema.h"
#include "provider/values/value.h"

namespace cvm::testing {

// Not thread-safe to configure; the functions themselves run on whatever
// thread calls the method.
class FakeResource : public framework::Resource {
 public:
  FakeResource(std::string type_name, schema::Schema schema)
      : type_name_(std::move(type_name)), schema_(std::move(schema)) {}

  std::function<void(const values::Value&, framework::Diagnostics*)>
      validate_config;
  std::function<void(const framework::PlanRequest&, framework::PlanResponse*)>
      modify_plan;
  std::function<void(const framework::PlanRequest&, framework::PlanResponse*)>
      plan_destroy;
  std::function<void(const framework::CreateRequest&,
                     framework::ApplyResponse*)>
      create;
  std::function<void(const framework::ReadRequest&, framework::ReadResponse*)>
      read;
  std::function<void(const framework::UpdateRequest&,
                     framework::ApplyResponse*)>
      update;
  std::function<void(const framework::DeleteRequest&,
                     framework::DeleteResponse*)>
      delete_;
  std::function<void(const framework::ImportRequest&,
                     framework::ImportResponse*)>
      import_state;
  std::function<absl::StatusOr<values::Value>(int64_t, std::string_view)>
      upgrade_state;

  // How often each lifecycle method ran (methods may run concurrently).
  std::atomic<int> creates{0}, reads{0}, updates{0}, deletes{0},
      plan_destroys{0}, modify_plans{0}, upgrades{0};

  std::string TypeName() const override { return type_name_; }
  const schema::Schema& GetSchema() const override { return schema_; }

  void ValidateConfig(const values::Value& config,
                      framework::Diagnostics* diags) override {
    if (validate_config) validate_config(config, diags);
  }
  void ModifyPlan(const framework::PlanRequest& request,
                  framework::PlanResponse* response) override {
    ++modify_plans;
    if (modify_plan) modify_plan(request, response);
  }
  void PlanDestroy(const framework::PlanRequest& request,
                   framework::PlanResponse* response) override {
    ++plan_destroys;
    if (plan_destroy) plan_destroy(request, response);
  }
  void Create(const framework::CreateRequest& request,
              framework::ApplyResponse* response) override {
    ++creates;
    if (create) create(request, response);
  }
  void Read(const framework::ReadRequest& request,
            framework::ReadResponse* response) override {
    ++reads;
    if (read) read(request, response);
  }
  void Update(const framework::UpdateRequest& request,
              framework::ApplyResponse* response) override {
    ++updates;
    if (update) update(request, response);
  }
  void Delete(const framework::DeleteRequest& request,
              framework::DeleteResponse* response) override {
    ++deletes;
    if (delete_) delete_(request, response);
  }
  void ImportState(const framework::ImportRequest& request,
                   framework::ImportResponse* response) override {
    if (import_state) {
      import_state(request, response);
    } else {
      framework::Resource::ImportState(request, response);
    }
  }
  absl::StatusOr<values::Value> UpgradeState(
      int64_t version, std::string_view raw_json) override {
    ++upgrades;
    if (upgrade_state) return upgrade_state(version, raw_json);
    return framework::Resource::UpgradeState(version, raw_json);
  }

 private:
  std::string type_name_;
  schema::Schema schema_;
};

class FakeDataSource : public framework::DataSource {
 public:
  FakeDataSource(std::string type_name, schema::Schema schema)
      : type_name_(std::move(type_name)), schema_(std::move(schema)) {}

  std::function<void(const values::Value&, framework::Diagnostics*)>
      validate_config;
  std::function<void(const framework::DataReadRequest&,
                     framework::DataReadResponse*)>
      read;

  std::string TypeName() const override { return type_name_; }
  const schema::Schema& GetSchema() const override { return schema_; }
  void ValidateConfig(const values::Value& config,
                      framework::Diagnostics* diags) override {
    if (validate_config) validate_config(config, diags);
  }
  void Read(const framework::DataReadRequest& request,
            framework::DataReadResponse* response) override {
    if (read) read(request, response);
  }

 private:
  std::string type_name_;
  schema::Schema schema_;
};

class FakeProvider : public framework::Provider {
 public:
  schema::Schema schema;
  std::vector<framework::Resource*> resources;
  std::vector<framework::DataSource*> data_sources;
  std::function<void(const values::Value&, framework::Diagnostics*)>
      validate_config;
  std::function<void(const framework::ConfigureRequest&,
                     framework::Diagnostics*)>
      configure;
  std::atomic<int> stops{0};

  const schema::Schema& GetSchema() const override { return schema; }
  void ValidateConfig(const values::Value& config,
                      framework::Diagnostics* diags) override {
    if (validate_config) validate_config(config, diags);
  }
  void Configure(const framework::ConfigureRequest& request,
                 framework::Diagnostics* diags) override {
    if (configure) configure(request, diags);
  }
  std::vector<framework::Resource*> Resources() override { return resources; }
  std::vector<framework::DataSource*> DataSources() override {
    return data_sources;
  }
  void Stop() override { ++stops; }
};

// Schema parts the framework and protocol tests share: a list block "rule"
// of a required positive "port", and a data source of a required "name"
// and a computed "value".
inline schema::NestedBlock PortRuleBlock() {
  schema::NestedBlock rule;
  rule.type_name = "rule";
  rule.nesting = schema::NestedBlock::Nesting::kList;
  rule.block.attributes = {schema::Attribute("port", values::Type::Number())
                               .Required()
                               .Validate([](const values::Value& v) {
                                 return v.AsNumber().ToInt64().value_or(0) > 0
                                            ? absl::OkStatus()
                                            : absl::InvalidArgumentError(
                                                  "port must be positive");
                               })};
  return rule;
}

inline schema::Schema NameValueDataSchema() {
  schema::Schema s;
  s.block.attributes = {
      schema::Attribute("name", values::Type::String()).Required(),
      schema::Attribute("value", values::Type::String()).Computed()};
  return s;
}

}  // namespace cvm::testing

#endif  // CVM_TESTS_TESTING_FAKE_PROVIDER_H_
