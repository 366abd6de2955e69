// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The CVM_STATS_FILE contract of terraform-provider-cvm (provider/main.cc):
// started as Terraform starts it and stopped, it appends one JSON line with
// its CPU time, peak RSS and Kubernetes request counts.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/util/process_stats.h"
#include "tests/testing/test_files.h"

namespace cvm::util {
namespace {

using ::cvm::testing::ReadFile;
using ::cvm::testing::TempPath;
using ::testing::MatchesRegex;

// Starts the provider as Terraform does (cookie, protocol 6, plaintext),
// waits for the handshake line, stops it with SIGTERM, and reads the line
// it appended to CVM_STATS_FILE. An unconfigured provider sent no requests.
TEST(ProcessStatsTest, ProviderAppendsOneLineAtExit) {
  std::string path = TempPath("process_stats_provider");
  std::remove(path.c_str());
  std::vector<std::string> env_strings = {
      "TF_PLUGIN_MAGIC_COOKIE="
      "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
      "PLUGIN_PROTOCOL_VERSIONS=6", "PATH=/usr/bin:/bin",
      std::string(kStatsFileEnv) + "=" + path};
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string binary = CVM_PROVIDER_BINARY;
  char* argv[] = {binary.data(), nullptr};

  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, out[1]);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv, envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);

  std::string handshake;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') handshake += c;
  EXPECT_THAT(handshake, MatchesRegex("1\\|6\\|unix\\|.*\\|grpc\\|"));
  ::kill(pid, SIGTERM);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ::close(out[0]);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0);

  std::string text = ReadFile(path);
  EXPECT_THAT(text,
              MatchesRegex("\\{\"pid\":" + std::to_string(pid) +
                           ",\"user_us\":[0-9]+,\"sys_us\":[0-9]+,"
                           "\"max_rss_kib\":[1-9][0-9]*,\"ru_maxrss_kib\":[1-9][0-9]*,"
                           "\"requests\":\\{"
                           "\"get\":0,\"list\":0,\"watch\":0,\"create\":0,"
                           "\"apply\":0,\"delete\":0,\"other\":0,"
                           "\"retries\":0,\"throttled_us\":0\\}\\}\n"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace cvm::util
