// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/internal/path_prefix.h"

#include <variant>

namespace cvm::values::internal {

std::string PathPrefix(const std::vector<PathStep>& steps) {
  if (steps.empty()) return "";
  std::string out;
  if (std::holds_alternative<AttributeStep>(steps.front())) out.push_back('.');
  out.append(Path(steps).ToString());
  out.append(": ");
  return out;
}

}  // namespace cvm::values::internal
