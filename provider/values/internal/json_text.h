// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to values/: a small, exact JSON reader shared by
// Type::FromJson/ToJson and the cty JSON value codec. Numbers are kept as
// their source text so that no precision is lost (nlohmann::json would round
// them to double). Not part of the folder's contract; other folders must not
// include this header.

#ifndef CVM_PROVIDER_VALUES_INTERNAL_JSON_TEXT_H_
#define CVM_PROVIDER_VALUES_INTERNAL_JSON_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "provider/values/type.h"

namespace cvm::values::internal {

// One parsed JSON value. A plain value type.
struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  bool boolean = false;  // kBool
  // kString: the decoded text (UTF-8); kNumber: the number's source text,
  // which is valid JSON number syntax.
  std::string text;
  // kArray: the elements; kObject: the member values, parallel to `keys`.
  std::vector<JsonNode> elements;
  // kObject: the member names in document order (no duplicates).
  std::vector<std::string> keys;
};

// Maximum nesting of arrays and objects accepted by ParseJson.
inline constexpr int kMaxJsonDepth = 256;

// Parses exactly one JSON document (RFC 8259) surrounded by optional
// whitespace. Invalid UTF-8 and lone surrogates in strings are replaced by
// U+FFFD, as Go's encoding/json does. Errors: kInvalidArgument (with the
// byte offset) for malformed JSON, an object with a duplicate key, or nesting
// deeper than kMaxJsonDepth. Never throws.
absl::StatusOr<JsonNode> ParseJson(std::string_view text);

// The name of a JSON kind for error messages: "null", "bool", "number",
// "string", "array" or "object".
const char* JsonKindName(JsonNode::Kind kind);

// Builds the Type whose cty JSON encoding `node` is (see Type::FromJson);
// defined in type.cc. Errors: kInvalidArgument as Type::FromJson.
absl::StatusOr<Type> TypeFromJsonNode(const JsonNode& node);

}  // namespace cvm::values::internal

#endif  // CVM_PROVIDER_VALUES_INTERNAL_JSON_TEXT_H_
