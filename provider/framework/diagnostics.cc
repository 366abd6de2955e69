// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/diagnostics.h"

#include <variant>

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

Diagnostics PointableAtConfig(const schema::Block& root,
                              const Diagnostics& in) {
  Diagnostics out;
  for (const Diagnostic& d : in.items()) {
    std::optional<values::Path> path = d.path;
    std::string detail = d.detail;
    if (path) {
      const std::vector<values::PathStep>& steps = path->steps();
      const schema::Block* block = &root;
      size_t i = 0;
      while (i < steps.size() && block != nullptr) {
        const auto* step = std::get_if<values::AttributeStep>(&steps[i]);
        if (step == nullptr) break;
        const schema::NestedBlock* nested = nullptr;
        for (const schema::NestedBlock& b : block->block_types) {
          if (b.type_name == step->name) nested = &b;
        }
        ++i;
        const bool keyed =
            i < steps.size() &&
            !std::holds_alternative<values::AttributeStep>(steps[i]);
        if (nested != nullptr) {
          if (keyed) ++i;
          block = &nested->block;
          continue;
        }
        if (keyed) ++i;
        if (i < steps.size()) {
          detail = absl::StrCat(path->ToString(), ": ", detail);
          path = values::Path(
              std::vector<values::PathStep>(steps.begin(), steps.begin() + i));
        }
        break;
      }
    }
    const bool error = d.severity == Diagnostic::Severity::kError;
    if (!path && error) {
      out.AddError(d.summary, detail);
    } else if (!path) {
      out.AddWarning(d.summary, detail);
    } else if (error) {
      out.AddAttributeError(*path, d.summary, detail);
    } else {
      out.AddAttributeWarning(*path, d.summary, detail);
    }
  }
  return out;
}

std::string QuoteValue(absl::string_view value) {
  constexpr size_t kShown = 300;
  if (value.size() <= kShown) return absl::StrCat("\"", value, "\"");
  size_t cut = kShown;
  // Never split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat("\"", value.substr(0, cut), "...\" (", value.size(),
                      " bytes)");
}

}  // namespace cvm::framework
