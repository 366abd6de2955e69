// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The provider's stderr logger. Each line is an hclog JSON object
// ({"@level","@message","@module","@timestamp", fields...}), the form
// go-plugin parses and re-emits into Terraform's log, so TF_LOG=debug shows
// our lines at their own level. Nothing is ever written to stdout (it belongs
// to the go-plugin handshake). Part of util/.
//
// Callers must never pass secrets (tokens, keys, agent tokens) as messages or
// field values: the logger cannot know what is sensitive.

#ifndef CVM_PROVIDER_UTIL_LOG_H_
#define CVM_PROVIDER_UTIL_LOG_H_

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace cvm::util {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

// Parses a TF_LOG-style level name (case-insensitive): TRACE, DEBUG, INFO,
// WARN, ERROR, OFF; "JSON" means TRACE. Returns kOff for empty or unknown
// text (as Terraform does for an invalid level).
LogLevel ParseLogLevel(std::string_view text);

// The level Terraform would show for provider lines: TF_LOG_PROVIDER when
// set, otherwise TF_LOG, otherwise kOff.
LogLevel LevelFromEnvironment();

// A key/value pair attached to a line.
using LogField = std::pair<std::string_view, std::string_view>;

// Thread-safe: lines from concurrent callers never interleave.
class Logger {
 public:
  // The process-wide logger, configured from the environment on first use.
  // Never destroyed; safe to use from any thread at any time.
  static Logger& Default();

  explicit Logger(LogLevel level);

  LogLevel level() const { return level_; }
  void set_level(LogLevel level) { level_ = level; }
  bool Enabled(LogLevel level) const {
    return level != LogLevel::kOff && level >= level_;
  }

  // Writes one JSON line when `level` is enabled. Fields are written in
  // order after the fixed keys.
  void Log(LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {});

  // Redirects lines (for tests). The default sink writes to fd 2.
  void SetSinkForTesting(std::function<void(std::string_view)> sink);

 private:
  LogLevel level_;
  std::function<void(std::string_view)> sink_;
};

// Shorthands for Logger::Default().Log(level, ...).
void LogTrace(std::string_view message, std::initializer_list<LogField> fields = {});
void LogDebug(std::string_view message, std::initializer_list<LogField> fields = {});
void LogInfo(std::string_view message, std::initializer_list<LogField> fields = {});
void LogWarn(std::string_view message, std::initializer_list<LogField> fields = {});
void LogError(std::string_view message, std::initializer_list<LogField> fields = {});

// Renders one hclog JSON line (without the newline). Exposed for tests.
std::string FormatLogLine(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields,
                          std::string_view timestamp);

}  // namespace cvm::util

#endif  // CVM_PROVIDER_UTIL_LOG_H_
