// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// libFuzzer target for the cty JSON codec and Type::FromJson
// (provider/values/json.h, type.h): parses arbitrary text as a type and as
// values of a few fixed types, and checks that whatever decodes re-encodes,
// decodes again to an equal value and encodes stably. Any violation aborts.
//
// Run: ninja -C build-fuzz run_json_fuzzer, or
//      json_fuzzer -max_total_time=60 <work-dir> tests/fuzz/corpus/json

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "provider/values/json.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace {

using cvm::values::DecodeJson;
using cvm::values::EncodeJson;
using cvm::values::Type;
using cvm::values::Value;

const std::vector<Type>& FuzzTypes() {
  static const auto* const kTypes = new std::vector<Type>{
      Type::Object({
          {"dyn", Type::Dynamic()},
          {"id", Type::String()},
          {"rule", Type::List(Type::Object({{"port", Type::Number()}}))},
          {"size", Type::Number()},
          {"tags", Type::Map(Type::String())},
          {"on", Type::Bool()},
      }),
      Type::Dynamic(),
      Type::Set(Type::Number()),
      Type::Tuple({Type::String(), Type::Dynamic()}),
  };
  return *kTypes;
}

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "json_fuzzer: %s\n  %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<Type> type = Type::FromJson(text);
  if (type.ok()) {
    absl::StatusOr<Type> again = Type::FromJson(type->ToJson());
    if (!again.ok() || *again != *type) Fail("type round trip", type->ToJson());
  }

  for (const Type& t : FuzzTypes()) {
    for (bool ignore : {false, true}) {
      absl::StatusOr<Value> v = DecodeJson(text, t, ignore);
      if (!v.ok()) continue;
      (void)v->DebugString();
      absl::StatusOr<std::string> encoded = EncodeJson(*v, t);
      if (!encoded.ok()) {
        // Only invalid UTF-8 (replaced on decode, so impossible here) or
        // infinities (unreachable from JSON) could fail.
        Fail("decoded value does not re-encode", v->DebugString());
      }
      absl::StatusOr<Value> v2 = DecodeJson(*encoded, t);
      if (!v2.ok() || !(*v2 == *v)) Fail("round trip changed", *encoded);
      absl::StatusOr<std::string> encoded2 = EncodeJson(*v2, t);
      if (!encoded2.ok() || *encoded2 != *encoded) {
        Fail("encoding unstable", *encoded);
      }
    }
  }
  return 0;
}
