// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/internal/msgpack_refinements.h"

#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/util/json_string.h"
#include "provider/util/status_macros.h"
#include "provider/values/internal/msgpack_wire.h"

namespace cvm::values::internal::msgpack {
namespace {

// Refinement map keys (cty msgpack/unknown.go).
constexpr int64_t kKeyNullness = 1;
constexpr int64_t kKeyStringPrefix = 2;
constexpr int64_t kKeyNumberMin = 3;
constexpr int64_t kKeyNumberMax = 4;
constexpr int64_t kKeyLengthMin = 5;
constexpr int64_t kKeyLengthMax = 6;

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed unknown value refinements: ", why));
}

// Reads a refinement map key into `*key`; -1 for an integer beyond int64.
absl::Status ReadKey(Reader& r, int64_t* key) {
  Header kh;
  if (!r.ReadHeader(&kh)) return Malformed("truncated");
  if (kh.format == Format::kInt) {
    *key = kh.i;
  } else if (kh.format == Format::kUint) {
    // Keys beyond int64 can only be unknown keys.
    *key = kh.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? -1
               : static_cast<int64_t>(kh.u);
  } else {
    return Malformed("non-integer key in map");
  }
  return absl::OkStatus();
}

absl::Status ReadStringPrefix(Reader& r, const Type& t, Refinements* ref) {
  if (t.kind() != Type::Kind::kString) {
    return Malformed("string prefix refinement for non-string type");
  }
  Header vh;
  std::string_view prefix;
  if (!r.ReadHeader(&vh) ||
      (vh.format != Format::kStr && vh.format != Format::kBin) ||
      !r.ReadBytes(vh.length, &prefix)) {
    return Malformed("string prefix refinement is not a string");
  }
  for (size_t k = 0; k < prefix.size();) {
    size_t n = util::Utf8SequenceLength(prefix, k);
    if (n == 0) return Malformed("string prefix refinement is not UTF-8");
    k += n;
  }
  ref->string_prefix = std::string(prefix);
  return absl::OkStatus();
}

// Key 3 or 4: a [number, inclusive] array.
absl::Status ReadNumberBound(Reader& r, const Type& t, int64_t key,
                             Refinements* ref) {
  if (t.kind() != Type::Kind::kNumber) {
    return Malformed("numeric bound refinement for non-number type");
  }
  Header ah, nh, bh;
  std::string_view text;
  if (!r.ReadHeader(&ah) || ah.format != Format::kArray || ah.length != 2 ||
      !r.ReadHeader(&nh)) {
    return Malformed("number bound must be a [number, bool] array");
  }
  if ((nh.format == Format::kStr || nh.format == Format::kBin) &&
      !r.ReadBytes(nh.length, &text)) {
    return Malformed("truncated");
  }
  absl::StatusOr<Number> bound = NumberFromHeader(nh, text);
  if (!bound.ok() || !r.ReadHeader(&bh) || bh.format != Format::kBool) {
    return Malformed("number bound must be a [number, bool] array");
  }
  auto b = std::make_pair(*std::move(bound), bh.boolean);
  if (key == kKeyNumberMin) {
    ref->number_lower = std::move(b);
  } else {
    ref->number_upper = std::move(b);
  }
  return absl::OkStatus();
}

// Key 5 or 6: an integer.
absl::Status ReadLengthBound(Reader& r, const Type& t, int64_t key,
                             Refinements* ref) {
  if (!t.IsCollection()) {
    return Malformed("length bound refinement for non-collection type");
  }
  Header vh;
  if (!r.ReadHeader(&vh)) return Malformed("truncated");
  int64_t bound;
  if (vh.format == Format::kInt) {
    bound = vh.i;
  } else if (vh.format == Format::kUint &&
             vh.u <=
                 static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    bound = static_cast<int64_t>(vh.u);
  } else {
    return Malformed("length bound must be an integer");
  }
  if (key == kKeyLengthMin) {
    ref->length_lower = bound;
  } else {
    ref->length_upper = bound;
  }
  return absl::OkStatus();
}

}  // namespace

std::string RefinementPayload(const Refinements& r, const Type& t,
                              size_t prefix_limit) {
  Writer body;
  size_t count = 0;
  if (t.IsDynamic()) return "";
  if (r.not_null == true) {
    body.Int(kKeyNullness);
    body.Bool(false);
    ++count;
  }
  if (t.kind() == Type::Kind::kString && r.string_prefix && prefix_limit > 0 &&
      !r.string_prefix->empty()) {
    std::string_view prefix = *r.string_prefix;
    if (prefix.size() > prefix_limit) {
      size_t cut = prefix_limit;
      // Do not split a UTF-8 sequence.
      while (cut > 0 &&
             (static_cast<unsigned char>(prefix[cut]) & 0xC0) == 0x80) {
        --cut;
      }
      prefix = prefix.substr(0, cut);
    }
    if (!prefix.empty()) {
      body.Int(kKeyStringPrefix);
      body.Str(prefix);
      ++count;
    }
  }
  if (t.kind() == Type::Kind::kNumber) {
    if (r.number_lower) {
      body.Int(kKeyNumberMin);
      body.ArrayHeader(2);
      body.Number(r.number_lower->first);
      body.Bool(r.number_lower->second);
      ++count;
    }
    if (r.number_upper) {
      body.Int(kKeyNumberMax);
      body.ArrayHeader(2);
      body.Number(r.number_upper->first);
      body.Bool(r.number_upper->second);
      ++count;
    }
  }
  if (t.IsCollection()) {
    if (r.length_lower) {
      body.Int(kKeyLengthMin);
      body.Int(*r.length_lower);
      ++count;
    }
    if (r.length_upper) {
      body.Int(kKeyLengthMax);
      body.Int(*r.length_upper);
      ++count;
    }
  }
  if (count == 0) return "";
  Writer payload;
  payload.MapHeader(count);
  payload.out().append(body.out());
  return std::move(payload.out());
}

absl::StatusOr<Value> DecodeRefinements(std::string_view payload,
                                        const Type& t) {
  Reader r(payload);
  Header h;
  if (!r.ReadHeader(&h) || h.format != Format::kMap) {
    return Malformed("not a map");
  }
  // cty ignores all refinements of an unknown of type dynamic.
  if (t.IsDynamic()) return Value::Unknown(t);
  Refinements ref;
  for (uint64_t i = 0; i < h.length; ++i) {
    int64_t key = 0;
    CVM_RETURN_IF_ERROR(ReadKey(r, &key));
    switch (key) {
      case kKeyNullness: {
        Header vh;
        if (!r.ReadHeader(&vh) || vh.format != Format::kBool) {
          return Malformed("null refinement is not boolean");
        }
        // true means "definitely null": cty collapses it to a null.
        if (vh.boolean) return Value::Null(t);
        ref.not_null = true;
        break;
      }
      case kKeyStringPrefix:
        CVM_RETURN_IF_ERROR(ReadStringPrefix(r, t, &ref));
        break;
      case kKeyNumberMin:
      case kKeyNumberMax:
        CVM_RETURN_IF_ERROR(ReadNumberBound(r, t, key, &ref));
        break;
      case kKeyLengthMin:
      case kKeyLengthMax:
        CVM_RETURN_IF_ERROR(ReadLengthBound(r, t, key, &ref));
        break;
      default:
        // Unknown keys are ignored, for future refinements.
        if (!r.Skip()) return Malformed("truncated");
    }
  }
  // Trailing bytes in the payload are ignored, as cty does. Refinements
  // whose canonical encoding would not fit the limit are rejected, so that
  // every decoded unknown re-encodes exactly (Terraform's own payloads
  // are never longer than ours).
  if (RefinementPayload(ref, t, std::numeric_limits<size_t>::max()).size() >
      kMaxRefinementPayload) {
    return absl::InvalidArgumentError("oversize unknown value refinement");
  }
  return Value::Unknown(t, std::move(ref));
}

}  // namespace cvm::values::internal::msgpack
