// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/util/log.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "absl/strings/ascii.h"
#include "provider/util/json_string.h"

namespace cvm::util {
namespace {

std::mutex& SinkMutex() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}

void WriteAllToStderr(std::string_view line) {
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report a logging failure.
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      break;
  }
  return "off";
}

std::string Now() {
  auto now = std::chrono::system_clock::now();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    now.time_since_epoch())
                    .count() %
                1000000;
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm tm;
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<long long>(micros));
  return buf;
}

}  // namespace

LogLevel ParseLogLevel(std::string_view text) {
  std::string upper = absl::AsciiStrToUpper(std::string(text));
  if (upper == "TRACE" || upper == "JSON") return LogLevel::kTrace;
  if (upper == "DEBUG") return LogLevel::kDebug;
  if (upper == "INFO") return LogLevel::kInfo;
  if (upper == "WARN") return LogLevel::kWarn;
  if (upper == "ERROR") return LogLevel::kError;
  return LogLevel::kOff;
}

LogLevel LevelFromEnvironment() {
  const char* provider = std::getenv("TF_LOG_PROVIDER");
  if (provider != nullptr && *provider != '\0') return ParseLogLevel(provider);
  const char* global = std::getenv("TF_LOG");
  if (global != nullptr && *global != '\0') return ParseLogLevel(global);
  return LogLevel::kOff;
}

std::string FormatLogLine(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields,
                          std::string_view timestamp) {
  std::string line;
  line.reserve(96 + message.size());
  line += "{\"@level\":";
  AppendJsonString(LevelName(level), &line);
  line += ",\"@message\":";
  AppendJsonString(message, &line);
  line += ",\"@module\":\"cvm\",\"@timestamp\":";
  AppendJsonString(timestamp, &line);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    AppendJsonString(key, &line);
    line.push_back(':');
    AppendJsonString(value, &line);
  }
  line.push_back('}');
  return line;
}

Logger& Logger::Default() {
  static Logger* logger = new Logger(LevelFromEnvironment());
  return *logger;
}

Logger::Logger(LogLevel level) : level_(level) {}

void Logger::Log(LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  std::string line = FormatLogLine(level, message, fields, Now());
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(SinkMutex());
  if (sink_) {
    sink_(line);
  } else {
    WriteAllToStderr(line);
  }
}

void Logger::SetSinkForTesting(std::function<void(std::string_view)> sink) {
  std::lock_guard<std::mutex> lock(SinkMutex());
  sink_ = std::move(sink);
}

void LogTrace(std::string_view m, std::initializer_list<LogField> f) {
  Logger::Default().Log(LogLevel::kTrace, m, f);
}
void LogDebug(std::string_view m, std::initializer_list<LogField> f) {
  Logger::Default().Log(LogLevel::kDebug, m, f);
}
void LogInfo(std::string_view m, std::initializer_list<LogField> f) {
  Logger::Default().Log(LogLevel::kInfo, m, f);
}
void LogWarn(std::string_view m, std::initializer_list<LogField> f) {
  Logger::Default().Log(LogLevel::kWarn, m, f);
}
void LogError(std::string_view m, std::initializer_list<LogField> f) {
  Logger::Default().Log(LogLevel::kError, m, f);
}

}  // namespace cvm::util
