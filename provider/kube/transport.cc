// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/transport.h"

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"

namespace cvm::kube {
namespace {
constexpr char kConnectFailureUrl[] =
    "type.googleapis.com/cvm.kube.ConnectFailure";
}  // namespace

std::optional<std::string> HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

absl::Status MarkConnectFailure(absl::Status status) {
  if (!status.ok()) status.SetPayload(kConnectFailureUrl, absl::Cord("1"));
  return status;
}

bool IsConnectFailure(const absl::Status& status) {
  return status.GetPayload(kConnectFailureUrl).has_value();
}

}  // namespace cvm::kube
