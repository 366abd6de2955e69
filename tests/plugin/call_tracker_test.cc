// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/call_tracker.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/plugin/services.h"

namespace cvm::plugin {
namespace {

using ::testing::Eq;

class CallTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(tracker_.NewInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    builder.RegisterService(&controller_);
    builder.RegisterService(&stdio_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }

  void TearDown() override {
    stdio_.Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
  }

  CallTracker tracker_;
  ControllerService controller_{[] {}};
  StdioService stdio_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(CallTrackerTest, IdleServerHasNoCalls) {
  EXPECT_THAT(tracker_.active(), Eq(0));
  EXPECT_TRUE(tracker_.WaitUntilIdle(absl::Now()));
}

TEST_F(CallTrackerTest, FinishedUnaryCallIsNoLongerCounted) {
  auto stub = ::plugin::GRPCController::NewStub(channel_);
  grpc::ClientContext context;
  ::plugin::Empty request;
  ::plugin::Empty response;
  ASSERT_TRUE(stub->Shutdown(&context, request, &response).ok());
  EXPECT_TRUE(tracker_.WaitUntilIdle(absl::Now() + absl::Seconds(5)));
}

TEST_F(CallTrackerTest, OpenStreamCountsUntilFinished) {
  auto stub = ::plugin::GRPCStdio::NewStub(channel_);
  grpc::ClientContext context;
  google::protobuf::Empty request;
  auto reader = stub->StreamStdio(&context, request);
  for (int i = 0; i < 5000 && tracker_.active() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_THAT(tracker_.active(), Eq(1));
  EXPECT_FALSE(tracker_.WaitUntilIdle(absl::Now() + absl::Milliseconds(20)));

  stdio_.Shutdown();
  ::plugin::StdioData data;
  EXPECT_FALSE(reader->Read(&data));
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(tracker_.WaitUntilIdle(absl::Now() + absl::Seconds(5)));
  EXPECT_THAT(tracker_.active(), Eq(0));
}

}  // namespace
}  // namespace cvm::plugin
