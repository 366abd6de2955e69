// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Diagnostics: what the practitioner sees. Errors and warnings with a
// summary, a detail and optionally the attribute path they are about, so
// Terraform can point at the configuration expression. Part of framework/.

#ifndef CVM_PROVIDER_FRAMEWORK_DIAGNOSTICS_H_
#define CVM_PROVIDER_FRAMEWORK_DIAGNOSTICS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "provider/schema/schema.h"
#include "provider/values/path.h"

namespace cvm::framework {

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string summary;
  std::string detail;
  std::optional<values::Path> path;

  bool operator==(const Diagnostic&) const = default;
};

// An ordered list of diagnostics. Value type; not thread-safe.
class Diagnostics {
 public:
  void AddError(std::string summary, std::string detail);
  void AddWarning(std::string summary, std::string detail);
  void AddAttributeError(values::Path path, std::string summary,
                         std::string detail);
  void AddAttributeWarning(values::Path path, std::string summary,
                           std::string detail);
  // Adds an error whose detail is the status message. REQUIRES: !status.ok().
  void AddStatus(std::string summary, const absl::Status& status);
  void Append(const Diagnostics& other);

  bool HasError() const;
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }

  // One line per diagnostic, for logs and tests.
  std::string ToString() const;

 private:
  std::vector<Diagnostic> items_;
};

// `in` with every path Terraform can point at in the configuration of
// `root`. Terraform follows a diagnostic's path only along blocks and then
// one attribute, plus one index or key into that attribute's value
// (tfdiags ElaborateFromConfigBody); a path into the object of a nested
// attribute (mounts[0].target) would point at the whole resource. Such a
// path is cut after the index (Terraform shows the list element) and the
// detail then starts with the full path. The server applies it to the
// diagnostics of every validation.
Diagnostics PointableAtConfig(const schema::Block& root, const Diagnostics& in);

// `value` in double quotes for an error message; a value longer than 300
// bytes is cut there (at a UTF-8 boundary) and its length given instead, so
// a huge configuration value never comes back whole in a diagnostic.
std::string QuoteValue(absl::string_view value);

}  // namespace cvm::framework

#endif  // CVM_PROVIDER_FRAMEWORK_DIAGNOSTICS_H_
