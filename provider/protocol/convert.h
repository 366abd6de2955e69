// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Conversions between tfplugin6 wire messages and framework-native types:
// DynamicValue <-> values::Value, AttributePath <-> values::Path,
// Diagnostics -> repeated Diagnostic, schema::Schema -> tfplugin6::Schema.
// Part of protocol/, the only layer that sees tfplugin6 types.

#ifndef CVM_PROVIDER_PROTOCOL_CONVERT_H_
#define CVM_PROVIDER_PROTOCOL_CONVERT_H_

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "proto/tfplugin6.pb.h"
#include "provider/framework/diagnostics.h"
#include "provider/schema/schema.h"
#include "provider/values/path.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace cvm::protocol {

// Decodes a DynamicValue against `type`: msgpack when present, else JSON,
// else null (as Terraform treats an absent value). Errors: kInvalidArgument
// from the codec, naming the offending path.
absl::StatusOr<values::Value> FromDynamicValue(
    const tfplugin6::DynamicValue& dv, const values::Type& type);

// Encodes `value` as msgpack into `out`. Errors: kInvalidArgument when the
// value does not conform to `type` (a provider bug).
absl::Status ToDynamicValue(const values::Value& value,
                            const values::Type& type,
                            tfplugin6::DynamicValue* out);

values::Path FromAttributePath(const tfplugin6::AttributePath& path);
void ToAttributePath(const values::Path& path, tfplugin6::AttributePath* out);

void ToDiagnostics(
    const framework::Diagnostics& diags,
    google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic>* out);

// Builds the wire schema. Type JSON comes from values::Type::ToJson.
void ToSchema(const schema::Schema& schema, tfplugin6::Schema* out);

}  // namespace cvm::protocol

#endif  // CVM_PROVIDER_PROTOCOL_CONVERT_H_
