// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/services.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cvm::plugin {
namespace {

using ::testing::Eq;

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
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

  bool WaitForOpenStreams(int want) {
    for (int i = 0; i < 5000; ++i) {
      if (stdio_.OpenStreamsForTesting() == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  std::atomic<int> shutdown_requests_{0};
  ControllerService controller_{[this] { ++shutdown_requests_; }};
  StdioService stdio_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServicesTest, ShutdownRepliesAndRequestsShutdown) {
  auto stub = ::plugin::GRPCController::NewStub(channel_);
  grpc::ClientContext context;
  ::plugin::Empty request;
  ::plugin::Empty response;
  grpc::Status status = stub->Shutdown(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(shutdown_requests_.load(), Eq(1));
}

TEST_F(ServicesTest, StdioStreamStaysOpenUntilShutdown) {
  auto stub = ::plugin::GRPCStdio::NewStub(channel_);
  grpc::ClientContext context;
  google::protobuf::Empty request;
  std::unique_ptr<grpc::ClientReader<::plugin::StdioData>> reader =
      stub->StreamStdio(&context, request);
  ASSERT_TRUE(WaitForOpenStreams(1));

  std::atomic<bool> read_returned{false};
  std::thread shutdown([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(read_returned.load());  // Nothing was sent meanwhile.
    stdio_.Shutdown();
  });
  ::plugin::StdioData data;
  EXPECT_FALSE(reader->Read(&data));
  read_returned = true;
  shutdown.join();
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(stdio_.OpenStreamsForTesting(), Eq(0));
}

TEST_F(ServicesTest, StdioStreamAfterShutdownEndsAtOnce) {
  stdio_.Shutdown();
  auto stub = ::plugin::GRPCStdio::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  google::protobuf::Empty request;
  auto reader = stub->StreamStdio(&context, request);
  ::plugin::StdioData data;
  EXPECT_FALSE(reader->Read(&data));
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ServicesTest, CancelledStdioStreamIsForgotten) {
  auto stub = ::plugin::GRPCStdio::NewStub(channel_);
  grpc::ClientContext context;
  google::protobuf::Empty request;
  auto reader = stub->StreamStdio(&context, request);
  ASSERT_TRUE(WaitForOpenStreams(1));
  context.TryCancel();
  ::plugin::StdioData data;
  EXPECT_FALSE(reader->Read(&data));
  EXPECT_THAT(reader->Finish().error_code(), Eq(grpc::StatusCode::CANCELLED));
  EXPECT_TRUE(WaitForOpenStreams(0));
}

}  // namespace
}  // namespace cvm::plugin
