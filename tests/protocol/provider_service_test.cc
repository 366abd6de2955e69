// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/protocol/provider_service.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/framework/server.h"
#include "provider/values/msgpack.h"
#include "tests/testing/fake_provider.h"
#include "tests/testing/printers.h"
#include "tests/testing/status_matchers.h"

namespace cvm::protocol {
namespace {

using framework::ApplyResponse;
using framework::CreateRequest;
using framework::Diagnostics;
using framework::ReadRequest;
using framework::ReadResponse;
using schema::Attribute;
using schema::NestedBlock;
using schema::NestedObject;
using testing::FakeDataSource;
using testing::FakeProvider;
using testing::FakeResource;
using ::testing::HasSubstr;
using values::Path;
using values::Type;
using values::Value;

Value S(const char* s) { return Value::String(s); }
Value NullS() { return Value::Null(Type::String()); }
Value UnkS() { return Value::Unknown(Type::String()); }

schema::Schema ResourceSchema() {
  schema::Schema s;
  s.version = 1;
  s.block.description = "A fake thing.";
  s.block.attributes = {
      Attribute("id", Type::String()).Computed().Describe("The id."),
      Attribute("name", Type::String())
          .Required()
          .DescribeMarkdown("The `name`.")
          .Validate([](const Value& v) {
            return v.AsString() == "bad"
                       ? absl::InvalidArgumentError("name must not be bad")
                       : absl::OkStatus();
          }),
      Attribute("tags", Type::Map(Type::String()))
          .Optional()
          .Validate([](const Value& v) {
            for (const auto& [k, e] : v.Entries()) {
              (void)e;
              if (k == "bad") return absl::InvalidArgumentError("bad key");
            }
            return absl::OkStatus();
          }),
      Attribute("mounts", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kMap,
                  {Attribute("target", Type::String())
                       .Required()
                       .Validate([](const Value& v) {
                         return v.AsString().empty() || v.AsString()[0] != '/'
                                    ? absl::InvalidArgumentError(
                                          "target must be absolute")
                                    : absl::OkStatus();
                       })}),
  };
  s.block.block_types = {testing::PortRuleBlock()};
  return s;
}

std::string Msgpack(const Value& v, const Type& t) {
  absl::StatusOr<std::string> bytes = values::EncodeMsgpack(v, t);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

tfplugin6::DynamicValue Dv(const Value& v, const Type& t) {
  tfplugin6::DynamicValue dv;
  dv.set_msgpack(Msgpack(v, t));
  return dv;
}

template <typename Response>
std::vector<std::string> Summaries(const Response& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics()) out.push_back(d.summary());
  return out;
}

class ProviderServiceTest : public ::testing::Test {
 protected:
  ProviderServiceTest()
      : resource_("cvm_fake", ResourceSchema()),
        data_("cvm_info", testing::NameValueDataSchema()) {
    provider_.schema.block.attributes = {
        Attribute("endpoint", Type::String()).Optional()};
    provider_.resources = {&resource_};
    provider_.data_sources = {&data_};
  }

  void SetUp() override { Start(); }
  void TearDown() override { Stop(); }

  void Start() {
    server_ = std::make_unique<framework::Server>(&provider_);
    service_ = std::make_unique<ProviderService>(server_.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    grpc_server_ = builder.BuildAndStart();
    ASSERT_NE(grpc_server_, nullptr);
    stub_ = tfplugin6::Provider::NewStub(
        grpc_server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void Stop() {
    if (grpc_server_) {
      grpc_server_->Shutdown(std::chrono::system_clock::now() +
                             std::chrono::seconds(5));
      grpc_server_.reset();
    }
  }

  Type type() const { return resource_.GetSchema().ImpliedType(); }
  Value Obj(const std::map<std::string, Value>& set) const {
    Value v = schema::EmptyObject(resource_.GetSchema().block);
    for (const auto& [k, e] : set) v = v.WithAttr(k, e);
    return v;
  }
  Value Rules(std::vector<int64_t> ports) const {
    std::vector<Value> elems;
    for (int64_t p : ports) {
      elems.push_back(Value::Object({{"port", Value::Int(p)}}));
    }
    return Value::List(Type::Object({{"port", Type::Number()}}),
                       std::move(elems));
  }
  Value Decode(const tfplugin6::DynamicValue& dv) const {
    absl::StatusOr<Value> v = values::DecodeMsgpack(dv.msgpack(), type());
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : Value();
  }

  FakeProvider provider_;
  FakeResource resource_;
  FakeDataSource data_;
  std::unique_ptr<framework::Server> server_;
  std::unique_ptr<ProviderService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<tfplugin6::Provider::Stub> stub_;
};

TEST_F(ProviderServiceTest, GetProviderSchema) {
  grpc::ClientContext ctx;
  tfplugin6::GetProviderSchema::Response resp;
  grpc::Status status = stub_->GetProviderSchema(
      &ctx, tfplugin6::GetProviderSchema::Request(), &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(resp.diagnostics_size(), 0);
  ASSERT_TRUE(resp.has_provider());
  ASSERT_EQ(resp.provider().block().attributes_size(), 1);
  EXPECT_EQ(resp.provider().block().attributes(0).name(), "endpoint");
  EXPECT_TRUE(resp.server_capabilities().plan_destroy());
  EXPECT_TRUE(resp.server_capabilities().get_provider_schema_optional());
  EXPECT_FALSE(resp.server_capabilities().move_resource_state());

  ASSERT_EQ(resp.resource_schemas_size(), 1);
  const tfplugin6::Schema& r = resp.resource_schemas().at("cvm_fake");
  EXPECT_EQ(r.version(), 1);
  EXPECT_EQ(r.block().description(), "A fake thing.");
  EXPECT_EQ(r.block().description_kind(), tfplugin6::PLAIN);
  ASSERT_EQ(r.block().attributes_size(), 4);
  EXPECT_EQ(r.block().attributes(0).name(), "id");
  EXPECT_EQ(r.block().attributes(0).type(), "\"string\"");
  EXPECT_EQ(r.block().attributes(0).description(), "The id.");
  EXPECT_EQ(r.block().attributes(0).description_kind(), tfplugin6::PLAIN);
  EXPECT_TRUE(r.block().attributes(0).computed());
  EXPECT_EQ(r.block().attributes(1).description(), "The `name`.");
  EXPECT_EQ(r.block().attributes(1).description_kind(), tfplugin6::MARKDOWN);
  EXPECT_TRUE(r.block().attributes(1).required());
  EXPECT_EQ(r.block().attributes(2).type(), R"(["map","string"])");
  const tfplugin6::Schema::Attribute& mounts = r.block().attributes(3);
  EXPECT_EQ(mounts.type(), "");
  EXPECT_EQ(mounts.nested_type().nesting(), tfplugin6::Schema::Object::MAP);
  EXPECT_EQ(mounts.nested_type().attributes(0).name(), "target");
  ASSERT_EQ(r.block().block_types_size(), 1);
  EXPECT_EQ(r.block().block_types(0).type_name(), "rule");
  EXPECT_EQ(r.block().block_types(0).nesting(),
            tfplugin6::Schema::NestedBlock::LIST);

  ASSERT_EQ(resp.data_source_schemas_size(), 1);
  EXPECT_EQ(resp.data_source_schemas().at("cvm_info").block().attributes_size(),
            2);
  EXPECT_EQ(resp.functions_size(), 0);
}

// The schema response is built by the first GetProviderSchema; calls that
// race to be first all get the whole of it.
TEST_F(ProviderServiceTest, ConcurrentFirstSchemaCallsGetTheSameSchema) {
  constexpr int kCalls = 8;
  std::vector<std::string> serialized(kCalls);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([this, &serialized, i] {
      grpc::ClientContext ctx;
      tfplugin6::GetProviderSchema::Response resp;
      if (stub_->GetProviderSchema(&ctx, {}, &resp).ok()) {
        serialized[i] = resp.SerializeAsString();
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  grpc::ClientContext ctx;
  tfplugin6::GetProviderSchema::Response later;
  ASSERT_TRUE(stub_->GetProviderSchema(&ctx, {}, &later).ok());
  ASSERT_EQ(later.resource_schemas_size(), 1);
  for (const std::string& one : serialized) {
    tfplugin6::GetProviderSchema::Response resp;
    ASSERT_TRUE(resp.ParseFromString(one));
    EXPECT_EQ(resp.resource_schemas_size(), 1);
    EXPECT_EQ(resp.data_source_schemas_size(), 1);
    EXPECT_EQ(resp.ByteSizeLong(), later.ByteSizeLong());
  }
}

TEST_F(ProviderServiceTest, GetMetadata) {
  grpc::ClientContext ctx;
  tfplugin6::GetMetadataCall::Response resp;
  ASSERT_TRUE(
      stub_->GetMetadata(&ctx, tfplugin6::GetMetadataCall::Request(), &resp)
          .ok());
  EXPECT_EQ(resp.diagnostics_size(), 0);
  ASSERT_EQ(resp.resources_size(), 1);
  EXPECT_EQ(resp.resources(0).type_name(), "cvm_fake");
  ASSERT_EQ(resp.data_sources_size(), 1);
  EXPECT_EQ(resp.data_sources(0).type_name(), "cvm_info");
  EXPECT_TRUE(resp.server_capabilities().plan_destroy());
  EXPECT_TRUE(resp.server_capabilities().get_provider_schema_optional());
}

TEST_F(ProviderServiceTest, InvalidSchemaIsADiagnosticInSchemaAndMetadata) {
  Stop();
  schema::Schema bad = ResourceSchema();
  bad.block.attributes.push_back(Attribute("Bad", Type::String()).Optional());
  FakeResource broken("cvm_broken", bad);
  provider_.resources.push_back(&broken);
  Start();
  {
    grpc::ClientContext ctx;
    tfplugin6::GetProviderSchema::Response resp;
    ASSERT_TRUE(stub_->GetProviderSchema(&ctx, {}, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    EXPECT_EQ(resp.diagnostics(0).severity(), tfplugin6::Diagnostic::ERROR);
    EXPECT_EQ(resp.diagnostics(0).summary(), "Invalid Provider Schema");
    EXPECT_THAT(resp.diagnostics(0).detail(), HasSubstr("cvm_broken"));
    EXPECT_TRUE(resp.has_provider());
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::GetMetadataCall::Response resp;
    ASSERT_TRUE(stub_->GetMetadata(&ctx, {}, &resp).ok());
    ASSERT_EQ(resp.diagnostics_size(), 1);
    EXPECT_EQ(resp.diagnostics(0).summary(), "Invalid Provider Schema");
  }
  Stop();
}

TEST_F(ProviderServiceTest, ValidateResourceConfigPathsAsSteps) {
  tfplugin6::ValidateResourceConfig::Request req;
  req.set_type_name("cvm_fake");
  const Type mount = Type::Object({{"target", Type::String()}});
  *req.mutable_config() =
      Dv(Obj({{"name", S("bad")},
              {"rule", Rules({80, 0})},
              {"mounts",
               Value::Map(mount,
                          {{"home", Value::Object({{"target", S("rel")}})}})}}),
         type());
  grpc::ClientContext ctx;
  tfplugin6::ValidateResourceConfig::Response resp;
  ASSERT_TRUE(stub_->ValidateResourceConfig(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 3) << resp.DebugString();

  // name
  const auto& d0 = resp.diagnostics(0);
  EXPECT_EQ(d0.severity(), tfplugin6::Diagnostic::ERROR);
  EXPECT_EQ(d0.summary(), "Invalid Attribute Value");
  EXPECT_EQ(d0.detail(), "name must not be bad");
  ASSERT_EQ(d0.attribute().steps_size(), 1);
  EXPECT_EQ(d0.attribute().steps(0).attribute_name(), "name");
  // mounts["home"].target: Terraform cannot point into a nested
  // attribute's object, so the path stops at the key and the detail names
  // the rest (framework::PointableAtConfig).
  const auto& d1 = resp.diagnostics(1);
  EXPECT_EQ(d1.detail(), "mounts[\"home\"].target: target must be absolute");
  ASSERT_EQ(d1.attribute().steps_size(), 2);
  EXPECT_EQ(d1.attribute().steps(0).attribute_name(), "mounts");
  EXPECT_EQ(d1.attribute().steps(1).element_key_string(), "home");
  // rule[1].port
  const auto& d2 = resp.diagnostics(2);
  EXPECT_EQ(d2.detail(), "port must be positive");
  ASSERT_EQ(d2.attribute().steps_size(), 3);
  EXPECT_EQ(d2.attribute().steps(0).attribute_name(), "rule");
  EXPECT_EQ(d2.attribute().steps(1).selector_case(),
            tfplugin6::AttributePath::Step::kElementKeyInt);
  EXPECT_EQ(d2.attribute().steps(1).element_key_int(), 1);
  EXPECT_EQ(d2.attribute().steps(2).attribute_name(), "port");
}

TEST_F(ProviderServiceTest, ValidateProviderAndDataSourceConfig) {
  provider_.validate_config = [](const Value& config, Diagnostics* diags) {
    if (config.GetAttr("endpoint") == S("x")) diags->AddWarning("Odd", "x?");
  };
  {
    tfplugin6::ValidateProviderConfig::Request req;
    *req.mutable_config() = Dv(Value::Object({{"endpoint", S("x")}}),
                               provider_.schema.ImpliedType());
    grpc::ClientContext ctx;
    tfplugin6::ValidateProviderConfig::Response resp;
    ASSERT_TRUE(stub_->ValidateProviderConfig(&ctx, req, &resp).ok());
    EXPECT_EQ(Summaries(resp), std::vector<std::string>{"Odd"});
    EXPECT_EQ(resp.diagnostics(0).severity(), tfplugin6::Diagnostic::WARNING);
  }
  {
    tfplugin6::ValidateDataResourceConfig::Request req;
    req.set_type_name("cvm_info");
    *req.mutable_config() =
        Dv(Value::Object({{"name", S("n")}, {"value", NullS()}}),
           testing::NameValueDataSchema().ImpliedType());
    grpc::ClientContext ctx;
    tfplugin6::ValidateDataResourceConfig::Response resp;
    ASSERT_TRUE(stub_->ValidateDataResourceConfig(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.diagnostics_size(), 0);
  }
  {
    tfplugin6::ValidateDataResourceConfig::Request req;
    req.set_type_name("cvm_nope");
    grpc::ClientContext ctx;
    tfplugin6::ValidateDataResourceConfig::Response resp;
    ASSERT_TRUE(stub_->ValidateDataResourceConfig(&ctx, req, &resp).ok());
    EXPECT_EQ(Summaries(resp),
              std::vector<std::string>{"Unknown Data Source Type"});
  }
}

TEST_F(ProviderServiceTest, ConfigureProvider) {
  framework::ConfigureRequest got;
  provider_.configure = [&](const framework::ConfigureRequest& r,
                            Diagnostics*) { got = r; };
  tfplugin6::ConfigureProvider::Request req;
  req.set_terraform_version("1.11.4");
  *req.mutable_config() = Dv(Value::Object({{"endpoint", S("https://k")}}),
                             provider_.schema.ImpliedType());
  grpc::ClientContext ctx;
  tfplugin6::ConfigureProvider::Response resp;
  ASSERT_TRUE(stub_->ConfigureProvider(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.diagnostics_size(), 0);
  EXPECT_EQ(got.terraform_version, "1.11.4");
  EXPECT_EQ(got.config, Value::Object({{"endpoint", S("https://k")}}));
}

TEST_F(ProviderServiceTest, PlanAndApplyRoundTrip) {
  resource_.modify_plan = [](const framework::PlanRequest&,
                             framework::PlanResponse* resp) {
    resp->planned_private = "planned-private";
  };
  std::string create_private;
  resource_.create = [&](const CreateRequest& req, ApplyResponse* resp) {
    create_private = req.planned_private;
    resp->new_state = resp->new_state.WithAttr("id", S("i-1"));
    resp->private_state = "created-private";
  };
  const Value config = Obj({{"name", S("dev")}, {"rule", Rules({80})}});
  const Value null = Value::Null(type());

  tfplugin6::PlanResourceChange::Request plan_req;
  plan_req.set_type_name("cvm_fake");
  *plan_req.mutable_prior_state() = Dv(null, type());
  *plan_req.mutable_proposed_new_state() = Dv(config, type());
  *plan_req.mutable_config() = Dv(config, type());
  grpc::ClientContext plan_ctx;
  tfplugin6::PlanResourceChange::Response plan;
  ASSERT_TRUE(stub_->PlanResourceChange(&plan_ctx, plan_req, &plan).ok());
  ASSERT_EQ(plan.diagnostics_size(), 0) << plan.DebugString();
  EXPECT_EQ(Decode(plan.planned_state()), config.WithAttr("id", UnkS()));
  EXPECT_EQ(plan.planned_private(), "planned-private");
  EXPECT_EQ(plan.requires_replace_size(), 0);
  EXPECT_FALSE(plan.legacy_type_system());

  tfplugin6::ApplyResourceChange::Request apply_req;
  apply_req.set_type_name("cvm_fake");
  *apply_req.mutable_prior_state() = Dv(null, type());
  *apply_req.mutable_planned_state() = plan.planned_state();
  *apply_req.mutable_config() = Dv(config, type());
  apply_req.set_planned_private(plan.planned_private());
  grpc::ClientContext apply_ctx;
  tfplugin6::ApplyResourceChange::Response apply;
  ASSERT_TRUE(stub_->ApplyResourceChange(&apply_ctx, apply_req, &apply).ok());
  ASSERT_EQ(apply.diagnostics_size(), 0) << apply.DebugString();
  EXPECT_EQ(Decode(apply.new_state()), config.WithAttr("id", S("i-1")));
  EXPECT_EQ(apply.private_(), "created-private");
  EXPECT_EQ(create_private, "planned-private");
}

TEST_F(ProviderServiceTest, PlanDestroyAndDelete) {
  const Value state = Obj({{"id", S("i-1")}, {"name", S("dev")}});
  const Value null = Value::Null(type());
  tfplugin6::PlanResourceChange::Request plan_req;
  plan_req.set_type_name("cvm_fake");
  *plan_req.mutable_prior_state() = Dv(state, type());
  *plan_req.mutable_proposed_new_state() = Dv(null, type());
  *plan_req.mutable_config() = Dv(null, type());
  plan_req.set_prior_private("p");
  grpc::ClientContext plan_ctx;
  tfplugin6::PlanResourceChange::Response plan;
  ASSERT_TRUE(stub_->PlanResourceChange(&plan_ctx, plan_req, &plan).ok());
  EXPECT_EQ(plan.diagnostics_size(), 0);
  EXPECT_EQ(plan.planned_state().msgpack(), "\xc0");
  EXPECT_EQ(plan.planned_private(), "p");
  EXPECT_EQ(resource_.plan_destroys.load(), 1);

  tfplugin6::ApplyResourceChange::Request apply_req;
  apply_req.set_type_name("cvm_fake");
  *apply_req.mutable_prior_state() = Dv(state, type());
  *apply_req.mutable_planned_state() = Dv(null, type());
  *apply_req.mutable_config() = Dv(null, type());
  grpc::ClientContext apply_ctx;
  tfplugin6::ApplyResourceChange::Response apply;
  ASSERT_TRUE(stub_->ApplyResourceChange(&apply_ctx, apply_req, &apply).ok());
  EXPECT_EQ(apply.diagnostics_size(), 0);
  EXPECT_EQ(apply.new_state().msgpack(), "\xc0");
  EXPECT_EQ(resource_.deletes.load(), 1);
}

TEST_F(ProviderServiceTest, PlanRequiresReplaceAsPaths) {
  Stop();
  schema::Schema s = ResourceSchema();
  s.block.attributes[1].RequiresReplace();
  FakeResource replacing("cvm_replacing", s);
  provider_.resources = {&replacing};
  Start();
  const Value prior = Obj({{"id", S("i-1")}, {"name", S("dev")}});
  const Value config = Obj({{"name", S("prod")}});
  tfplugin6::PlanResourceChange::Request req;
  req.set_type_name("cvm_replacing");
  *req.mutable_prior_state() = Dv(prior, type());
  *req.mutable_proposed_new_state() =
      Dv(prior.WithAttr("name", S("prod")), type());
  *req.mutable_config() = Dv(config, type());
  grpc::ClientContext ctx;
  tfplugin6::PlanResourceChange::Response resp;
  ASSERT_TRUE(stub_->PlanResourceChange(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 0) << resp.DebugString();
  ASSERT_EQ(resp.requires_replace_size(), 1);
  ASSERT_EQ(resp.requires_replace(0).steps_size(), 1);
  EXPECT_EQ(resp.requires_replace(0).steps(0).attribute_name(), "name");
  Stop();
}

TEST_F(ProviderServiceTest, ReadResourceEchoesPrivate) {
  const Value state = Obj({{"id", S("i-1")}, {"name", S("dev")}});
  tfplugin6::ReadResource::Request req;
  req.set_type_name("cvm_fake");
  *req.mutable_current_state() = Dv(state, type());
  req.set_private_("stored-private");
  grpc::ClientContext ctx;
  tfplugin6::ReadResource::Response resp;
  ASSERT_TRUE(stub_->ReadResource(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.diagnostics_size(), 0);
  EXPECT_EQ(resp.private_(), "stored-private");
  EXPECT_EQ(Decode(resp.new_state()), state);
}

TEST_F(ProviderServiceTest, ReadResourceGone) {
  resource_.read = [](const ReadRequest&, ReadResponse* resp) {
    resp->new_state = Value();
  };
  tfplugin6::ReadResource::Request req;
  req.set_type_name("cvm_fake");
  *req.mutable_current_state() = Dv(Obj({{"name", S("dev")}}), type());
  grpc::ClientContext ctx;
  tfplugin6::ReadResource::Response resp;
  ASSERT_TRUE(stub_->ReadResource(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.diagnostics_size(), 0);
  EXPECT_EQ(resp.new_state().msgpack(), "\xc0");
}

TEST_F(ProviderServiceTest, MalformedMsgpackIsADiagnostic) {
  tfplugin6::DynamicValue garbage;
  garbage.set_msgpack("\x85\xa4name");
  const tfplugin6::DynamicValue good = Dv(Obj({{"name", S("dev")}}), type());
  auto check = [](const auto& resp, const std::string& what) {
    ASSERT_EQ(resp.diagnostics_size(), 1) << resp.DebugString();
    EXPECT_EQ(resp.diagnostics(0).severity(), tfplugin6::Diagnostic::ERROR);
    EXPECT_EQ(resp.diagnostics(0).summary(), "Invalid Request Value");
    EXPECT_THAT(resp.diagnostics(0).detail(),
                HasSubstr("Could not decode the " + what));
  };
  {
    tfplugin6::ValidateResourceConfig::Request req;
    req.set_type_name("cvm_fake");
    *req.mutable_config() = garbage;
    grpc::ClientContext ctx;
    tfplugin6::ValidateResourceConfig::Response resp;
    ASSERT_TRUE(stub_->ValidateResourceConfig(&ctx, req, &resp).ok());
    check(resp, "resource configuration");
  }
  {
    tfplugin6::PlanResourceChange::Request req;
    req.set_type_name("cvm_fake");
    *req.mutable_prior_state() = good;
    *req.mutable_proposed_new_state() = garbage;
    *req.mutable_config() = good;
    grpc::ClientContext ctx;
    tfplugin6::PlanResourceChange::Response resp;
    ASSERT_TRUE(stub_->PlanResourceChange(&ctx, req, &resp).ok());
    check(resp, "proposed new state");
  }
  {
    tfplugin6::ApplyResourceChange::Request req;
    req.set_type_name("cvm_fake");
    *req.mutable_prior_state() = good;
    *req.mutable_planned_state() = good;
    *req.mutable_config() = garbage;
    grpc::ClientContext ctx;
    tfplugin6::ApplyResourceChange::Response resp;
    ASSERT_TRUE(stub_->ApplyResourceChange(&ctx, req, &resp).ok());
    check(resp, "configuration");
    // What Terraform knew is kept.
    EXPECT_EQ(resp.new_state().msgpack(), good.msgpack());
  }
  {
    tfplugin6::ReadResource::Request req;
    req.set_type_name("cvm_fake");
    *req.mutable_current_state() = garbage;
    req.set_private_("keep");
    grpc::ClientContext ctx;
    tfplugin6::ReadResource::Response resp;
    ASSERT_TRUE(stub_->ReadResource(&ctx, req, &resp).ok());
    check(resp, "current state");
    EXPECT_EQ(resp.private_(), "keep");
  }
  {
    tfplugin6::ConfigureProvider::Request req;
    *req.mutable_config() = garbage;
    grpc::ClientContext ctx;
    tfplugin6::ConfigureProvider::Response resp;
    ASSERT_TRUE(stub_->ConfigureProvider(&ctx, req, &resp).ok());
    check(resp, "provider configuration");
  }
  {
    tfplugin6::ReadDataSource::Request req;
    req.set_type_name("cvm_info");
    *req.mutable_config() = garbage;
    grpc::ClientContext ctx;
    tfplugin6::ReadDataSource::Response resp;
    ASSERT_TRUE(stub_->ReadDataSource(&ctx, req, &resp).ok());
    check(resp, "data source configuration");
  }
}

TEST_F(ProviderServiceTest, UnknownResourceTypeIsADiagnostic) {
  auto check = [](const auto& resp) {
    ASSERT_EQ(resp.diagnostics_size(), 1) << resp.DebugString();
    EXPECT_EQ(resp.diagnostics(0).severity(), tfplugin6::Diagnostic::ERROR);
    EXPECT_EQ(resp.diagnostics(0).summary(), framework::kUnknownTypeSummary);
    EXPECT_THAT(resp.diagnostics(0).detail(), HasSubstr("\"cvm_nope\""));
  };
  {
    tfplugin6::ValidateResourceConfig::Request req;
    req.set_type_name("cvm_nope");
    grpc::ClientContext ctx;
    tfplugin6::ValidateResourceConfig::Response resp;
    ASSERT_TRUE(stub_->ValidateResourceConfig(&ctx, req, &resp).ok());
    check(resp);
  }
  {
    tfplugin6::PlanResourceChange::Request req;
    req.set_type_name("cvm_nope");
    grpc::ClientContext ctx;
    tfplugin6::PlanResourceChange::Response resp;
    ASSERT_TRUE(stub_->PlanResourceChange(&ctx, req, &resp).ok());
    check(resp);
  }
  {
    tfplugin6::ApplyResourceChange::Request req;
    req.set_type_name("cvm_nope");
    grpc::ClientContext ctx;
    tfplugin6::ApplyResourceChange::Response resp;
    ASSERT_TRUE(stub_->ApplyResourceChange(&ctx, req, &resp).ok());
    check(resp);
  }
  {
    tfplugin6::ReadResource::Request req;
    req.set_type_name("cvm_nope");
    grpc::ClientContext ctx;
    tfplugin6::ReadResource::Response resp;
    ASSERT_TRUE(stub_->ReadResource(&ctx, req, &resp).ok());
    check(resp);
  }
  {
    tfplugin6::UpgradeResourceState::Request req;
    req.set_type_name("cvm_nope");
    grpc::ClientContext ctx;
    tfplugin6::UpgradeResourceState::Response resp;
    ASSERT_TRUE(stub_->UpgradeResourceState(&ctx, req, &resp).ok());
    check(resp);
  }
  {
    tfplugin6::ImportResourceState::Request req;
    req.set_type_name("cvm_nope");
    grpc::ClientContext ctx;
    tfplugin6::ImportResourceState::Response resp;
    ASSERT_TRUE(stub_->ImportResourceState(&ctx, req, &resp).ok());
    check(resp);
    EXPECT_EQ(resp.imported_resources_size(), 0);
  }
}

TEST_F(ProviderServiceTest, ExceptionBecomesInternalProviderError) {
  resource_.create = [](const CreateRequest&, ApplyResponse*) {
    throw std::runtime_error("kaboom");
  };
  resource_.read = [](const ReadRequest&, ReadResponse*) { throw 42; };
  const Value config = Obj({{"name", S("dev")}});
  {
    tfplugin6::ApplyResourceChange::Request req;
    req.set_type_name("cvm_fake");
    *req.mutable_prior_state() = Dv(Value::Null(type()), type());
    *req.mutable_planned_state() = Dv(config.WithAttr("id", UnkS()), type());
    *req.mutable_config() = Dv(config, type());
    grpc::ClientContext ctx;
    tfplugin6::ApplyResourceChange::Response resp;
    grpc::Status status = stub_->ApplyResourceChange(&ctx, req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(resp.diagnostics_size(), 1);
    EXPECT_EQ(resp.diagnostics(0).severity(), tfplugin6::Diagnostic::ERROR);
    EXPECT_EQ(resp.diagnostics(0).summary(), "Internal Provider Error");
    EXPECT_THAT(resp.diagnostics(0).detail(),
                HasSubstr("ApplyResourceChange failed unexpectedly: kaboom"));
  }
  {
    tfplugin6::ReadResource::Request req;
    req.set_type_name("cvm_fake");
    *req.mutable_current_state() = Dv(config, type());
    grpc::ClientContext ctx;
    tfplugin6::ReadResource::Response resp;
    grpc::Status status = stub_->ReadResource(&ctx, req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(resp.diagnostics_size(), 1);
    EXPECT_EQ(resp.diagnostics(0).summary(), "Internal Provider Error");
    EXPECT_THAT(resp.diagnostics(0).detail(),
                HasSubstr("ReadResource failed unexpectedly"));
  }
  // The service is still up.
  grpc::ClientContext ctx;
  tfplugin6::GetMetadataCall::Response resp;
  EXPECT_TRUE(stub_->GetMetadata(&ctx, {}, &resp).ok());
}

TEST_F(ProviderServiceTest, UpgradeResourceStateFromJson) {
  tfplugin6::UpgradeResourceState::Request req;
  req.set_type_name("cvm_fake");
  req.set_version(1);
  req.mutable_raw_state()->set_json(
      R"({"id":"i-1","name":"dev","removed":true})");
  grpc::ClientContext ctx;
  tfplugin6::UpgradeResourceState::Response resp;
  ASSERT_TRUE(stub_->UpgradeResourceState(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 0) << resp.DebugString();
  EXPECT_EQ(Decode(resp.upgraded_state()),
            Obj({{"id", S("i-1")}, {"name", S("dev")}}));

  tfplugin6::UpgradeResourceState::Request flat;
  flat.set_type_name("cvm_fake");
  flat.set_version(1);
  (*flat.mutable_raw_state()->mutable_flatmap())["id"] = "i-1";
  grpc::ClientContext flat_ctx;
  tfplugin6::UpgradeResourceState::Response flat_resp;
  ASSERT_TRUE(stub_->UpgradeResourceState(&flat_ctx, flat, &flat_resp).ok());
  EXPECT_EQ(Summaries(flat_resp),
            std::vector<std::string>{"Unsupported State Format"});
  EXPECT_FALSE(flat_resp.has_upgraded_state());
}

TEST_F(ProviderServiceTest, ImportResourceState) {
  resource_.import_state = [](const framework::ImportRequest& req,
                              framework::ImportResponse* resp) {
    resp->state = Value::Object({{"id", Value::String(req.id)}});
    resp->private_state = "imported";
  };
  tfplugin6::ImportResourceState::Request req;
  req.set_type_name("cvm_fake");
  req.set_id("ns/dev");
  grpc::ClientContext ctx;
  tfplugin6::ImportResourceState::Response resp;
  ASSERT_TRUE(stub_->ImportResourceState(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 0) << resp.DebugString();
  ASSERT_EQ(resp.imported_resources_size(), 1);
  EXPECT_EQ(resp.imported_resources(0).type_name(), "cvm_fake");
  EXPECT_EQ(resp.imported_resources(0).private_(), "imported");
  EXPECT_EQ(Decode(resp.imported_resources(0).state()),
            Obj({{"id", S("ns/dev")}}));
}

TEST_F(ProviderServiceTest, ReadDataSource) {
  data_.read = [](const framework::DataReadRequest&,
                  framework::DataReadResponse* resp) {
    resp->state = resp->state.WithAttr("value", S("v"));
  };
  const Type t = testing::NameValueDataSchema().ImpliedType();
  tfplugin6::ReadDataSource::Request req;
  req.set_type_name("cvm_info");
  *req.mutable_config() =
      Dv(Value::Object({{"name", S("n")}, {"value", NullS()}}), t);
  grpc::ClientContext ctx;
  tfplugin6::ReadDataSource::Response resp;
  ASSERT_TRUE(stub_->ReadDataSource(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.diagnostics_size(), 0);
  absl::StatusOr<Value> state =
      values::DecodeMsgpack(resp.state().msgpack(), t);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(*state, Value::Object({{"name", S("n")}, {"value", S("v")}}));
}

TEST_F(ProviderServiceTest, IdentityRpcsAreUnimplemented) {
  {
    grpc::ClientContext ctx;
    tfplugin6::GetResourceIdentitySchemas::Response resp;
    grpc::Status status = stub_->GetResourceIdentitySchemas(
        &ctx, tfplugin6::GetResourceIdentitySchemas::Request(), &resp);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::UpgradeResourceIdentity::Response resp;
    grpc::Status status = stub_->UpgradeResourceIdentity(
        &ctx, tfplugin6::UpgradeResourceIdentity::Request(), &resp);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
}

TEST_F(ProviderServiceTest, EphemeralAndMoveRpcsAreDiagnostics) {
  auto check = [](const auto& resp, const std::string& summary) {
    ASSERT_EQ(resp.diagnostics_size(), 1) << resp.DebugString();
    EXPECT_EQ(resp.diagnostics(0).severity(), tfplugin6::Diagnostic::ERROR);
    EXPECT_EQ(resp.diagnostics(0).summary(), summary);
  };
  const std::string kEphemeral = "Unknown Ephemeral Resource Type";
  {
    tfplugin6::ValidateEphemeralResourceConfig::Request req;
    req.set_type_name("cvm_token");
    grpc::ClientContext ctx;
    tfplugin6::ValidateEphemeralResourceConfig::Response resp;
    ASSERT_TRUE(stub_->ValidateEphemeralResourceConfig(&ctx, req, &resp).ok());
    check(resp, kEphemeral);
    EXPECT_THAT(resp.diagnostics(0).detail(), HasSubstr("\"cvm_token\""));
  }
  {
    tfplugin6::OpenEphemeralResource::Request req;
    grpc::ClientContext ctx;
    tfplugin6::OpenEphemeralResource::Response resp;
    ASSERT_TRUE(stub_->OpenEphemeralResource(&ctx, req, &resp).ok());
    check(resp, kEphemeral);
  }
  {
    tfplugin6::RenewEphemeralResource::Request req;
    grpc::ClientContext ctx;
    tfplugin6::RenewEphemeralResource::Response resp;
    ASSERT_TRUE(stub_->RenewEphemeralResource(&ctx, req, &resp).ok());
    check(resp, kEphemeral);
  }
  {
    tfplugin6::CloseEphemeralResource::Request req;
    grpc::ClientContext ctx;
    tfplugin6::CloseEphemeralResource::Response resp;
    ASSERT_TRUE(stub_->CloseEphemeralResource(&ctx, req, &resp).ok());
    check(resp, kEphemeral);
  }
  {
    tfplugin6::MoveResourceState::Request req;
    req.set_source_type_name("other_thing");
    req.set_target_type_name("cvm_fake");
    grpc::ClientContext ctx;
    tfplugin6::MoveResourceState::Response resp;
    ASSERT_TRUE(stub_->MoveResourceState(&ctx, req, &resp).ok());
    check(resp, "Move Resource State Not Supported");
  }
}

TEST_F(ProviderServiceTest, FunctionsAndStop) {
  {
    grpc::ClientContext ctx;
    tfplugin6::GetFunctions::Response resp;
    ASSERT_TRUE(stub_->GetFunctions(&ctx, {}, &resp).ok());
    EXPECT_EQ(resp.functions_size(), 0);
    EXPECT_EQ(resp.diagnostics_size(), 0);
  }
  {
    tfplugin6::CallFunction::Request req;
    req.set_name("parse");
    grpc::ClientContext ctx;
    tfplugin6::CallFunction::Response resp;
    ASSERT_TRUE(stub_->CallFunction(&ctx, req, &resp).ok());
    ASSERT_TRUE(resp.has_error());
    EXPECT_THAT(resp.error().text(), HasSubstr("no function named \"parse\""));
    EXPECT_FALSE(resp.has_result());
  }
  {
    grpc::ClientContext ctx;
    tfplugin6::StopProvider::Response resp;
    ASSERT_TRUE(stub_->StopProvider(&ctx, {}, &resp).ok());
    EXPECT_EQ(resp.error(), "");
    EXPECT_EQ(provider_.stops.load(), 1);
  }
}

TEST_F(ProviderServiceTest, ConcurrentPlans) {
  const Value config = Obj({{"name", S("dev")}, {"rule", Rules({80, 81})}});
  tfplugin6::PlanResourceChange::Request req;
  req.set_type_name("cvm_fake");
  *req.mutable_prior_state() = Dv(Value::Null(type()), type());
  *req.mutable_proposed_new_state() = Dv(config, type());
  *req.mutable_config() = Dv(config, type());
  const std::string want = Msgpack(config.WithAttr("id", UnkS()), type());
  std::vector<std::thread> threads;
  std::vector<int> good(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        grpc::ClientContext ctx;
        tfplugin6::PlanResourceChange::Response resp;
        if (stub_->PlanResourceChange(&ctx, req, &resp).ok() &&
            resp.diagnostics_size() == 0 &&
            resp.planned_state().msgpack() == want) {
          ++good[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good, std::vector<int>(8, 25));
}

}  // namespace
}  // namespace cvm::protocol
