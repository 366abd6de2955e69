// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/diagnostics.h"

#include "absl/strings/str_cat.h"

namespace cvm::framework {

void Diagnostics::AddError(std::string summary, std::string detail) {
  items_.push_back({Diagnostic::Severity::kError, std::move(summary),
                    std::move(detail), std::nullopt});
}

void Diagnostics::AddWarning(std::string summary, std::string detail) {
  items_.push_back({Diagnostic::Severity::kWarning, std::move(summary),
                    std::move(detail), std::nullopt});
}

void Diagnostics::AddAttributeError(values::Path path, std::string summary,
                                    std::string detail) {
  items_.push_back({Diagnostic::Severity::kError, std::move(summary),
                    std::move(detail), std::move(path)});
}

void Diagnostics::AddAttributeWarning(values::Path path, std::string summary,
                                      std::string detail) {
  items_.push_back({Diagnostic::Severity::kWarning, std::move(summary),
                    std::move(detail), std::move(path)});
}

void Diagnostics::AddStatus(std::string summary, const absl::Status& status) {
  // The message names the operation, the object and the server; payloads
  // are for code, not for practitioners.
  AddError(std::move(summary), std::string(status.message()));
}

void Diagnostics::Append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::HasError() const {
  for (const Diagnostic& d : items_) {
    if (d.severity == Diagnostic::Severity::kError) return true;
  }
  return false;
}

std::string Diagnostics::ToString() const {
  std::string out;
  for (const Diagnostic& d : items_) {
    absl::StrAppend(
        &out, d.severity == Diagnostic::Severity::kError ? "error" : "warning",
        d.path ? absl::StrCat(" at ", d.path->ToString()) : "", ": ", d.summary,
        ": ", d.detail, "\n");
  }
  return out;
}

}  // namespace cvm::framework
