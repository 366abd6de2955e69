// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// libFuzzer target for the cty MessagePack codec (provider/values/msgpack.h).
// Decodes arbitrary bytes against a few fixed types (including dynamic) and,
// for whatever decodes, checks the codec's round-trip properties:
//   * a decoded value always re-encodes;
//   * decode(encode(v)) == v and encoding is then stable byte for byte;
//   * a wholly known value's JSON encoding (when it has one) decodes again
//     and re-encodes to the same text.
// Any violation aborts, which libFuzzer reports as a crash.
//
// Build: -DCVM_BUILD_FUZZERS=ON with clang (see tests/fuzz/CMakeLists.txt).
// Run:   ninja -C build-fuzz run_msgpack_fuzzer, or
//        msgpack_fuzzer -max_total_time=60 -dict=tests/fuzz/msgpack.dict \
//            <work-dir> tests/fuzz/corpus/msgpack

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "provider/values/json.h"
#include "provider/values/msgpack.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace {

using cvm::values::DecodeJson;
using cvm::values::DecodeMsgpack;
using cvm::values::EncodeJson;
using cvm::values::EncodeMsgpack;
using cvm::values::Type;
using cvm::values::Value;

const std::vector<Type>& FuzzTypes() {
  static const auto* const kTypes = new std::vector<Type>{
      // The schema of protocol.md 4.2.
      Type::Object({
          {"dyn", Type::Dynamic()},
          {"id", Type::String()},
          {"name", Type::String()},
          {"rule", Type::List(Type::Object({{"port", Type::Number()}}))},
          {"size", Type::Number()},
          {"tags", Type::Map(Type::String())},
      }),
      Type::Dynamic(),
      Type::List(Type::Dynamic()),
      Type::Number(),
      Type::String(),
      Type::Map(Type::Set(Type::Number())),
      Type::Tuple({Type::Bool(), Type::String(), Type::Number()}),
      Type::Set(Type::Object(
          {{"a", Type::List(Type::String())}, {"b", Type::Dynamic()}})),
  };
  return *kTypes;
}

[[noreturn]] void Fail(const char* what, const Type& type, const Value& v) {
  std::fprintf(stderr, "msgpack_fuzzer: %s\n  type: %s\n  value: %s\n", what,
               type.ToJson().c_str(), v.DebugString().c_str());
  std::abort();
}

void CheckJson(const Value& v, const Type& type) {
  if (!v.IsWhollyKnown()) return;
  absl::StatusOr<std::string> json = EncodeJson(v, type);
  if (!json.ok()) return;  // e.g. infinities have no JSON form
  absl::StatusOr<Value> back = DecodeJson(*json, type);
  if (!back.ok()) Fail("JSON output does not decode", type, v);
  absl::StatusOr<std::string> again = EncodeJson(*back, type);
  if (!again.ok() || *again != *json) Fail("JSON encoding unstable", type, v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const Type& type : FuzzTypes()) {
    absl::StatusOr<Value> v = DecodeMsgpack(bytes, type);
    if (!v.ok()) continue;
    (void)v->DebugString();
    (void)v->IsWhollyKnown();
    absl::StatusOr<std::string> encoded = EncodeMsgpack(*v, type);
    if (!encoded.ok()) Fail("decoded value does not re-encode", type, *v);
    absl::StatusOr<Value> v2 = DecodeMsgpack(*encoded, type);
    if (!v2.ok()) Fail("re-encoded bytes do not decode", type, *v);
    if (!(*v2 == *v)) Fail("round trip changed the value", type, *v);
    absl::StatusOr<std::string> encoded2 = EncodeMsgpack(*v2, type);
    if (!encoded2.ok() || *encoded2 != *encoded) {
      Fail("encoding unstable", type, *v);
    }
    CheckJson(*v, type);
  }
  return 0;
}
