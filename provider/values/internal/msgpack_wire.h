// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to values/: the byte-level MessagePack writer and reader under
// the cty codec (msgpack_encode.cc, msgpack_decode.cc and the refinement
// payloads of internal/msgpack_refinements.cc). Not part of the folder's
// contract; other folders must not include this header.
//
// They are written here rather than taken from a library: cty needs exact
// control over ext types, number forms and bounds checking on hostile input.

#ifndef CVM_PROVIDER_VALUES_INTERNAL_MSGPACK_WIRE_H_
#define CVM_PROVIDER_VALUES_INTERNAL_MSGPACK_WIRE_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "provider/values/number.h"

namespace cvm::values::internal::msgpack {

// Appends MessagePack items to a string.
class Writer {
 public:
  std::string& out() { return out_; }

  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void BigEndian(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      Byte(static_cast<uint8_t>(v >> (8 * i)));
  }

  void Nil() { Byte(0xc0); }
  void Bool(bool b) { Byte(b ? 0xc3 : 0xc2); }

  // The compact forms of vmihailenco/msgpack's EncodeInt (as cty uses it):
  // non-negative values take the positive fixint/uint family.
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Float64(double d) {
    Byte(0xcb);
    BigEndian(std::bit_cast<uint64_t>(d), 8);
  }
  void Str(std::string_view s);
  void Bin(std::string_view s);
  void ArrayHeader(size_t n);
  void MapHeader(size_t n);
  void Ext(int8_t type, std::string_view payload);
  // The plain unknown, exactly as Terraform writes it.
  void PlainUnknown() { out_.append("\xd4\x00\x00", 3); }

  // cty's number encoding: int64 as int, else an exactly representable
  // double as float64, else the decimal text as a string.
  void Number(const values::Number& n) {
    if (std::optional<int64_t> i = n.ToInt64()) return Int(*i);
    if (std::optional<double> d = n.ToExactDouble()) return Float64(*d);
    Str(n.ToString());
  }

 private:
  std::string out_;
};

enum class Format {
  kNil,
  kBool,
  kInt,    // signed families and positive/negative fixint
  kUint,   // uint8..uint64
  kFloat,  // float32 or float64, widened
  kStr,
  kBin,
  kArray,
  kMap,
  kExt,
};

// "nil", "bool", "integer", ... for messages.
const char* FormatName(Format f);

// One msgpack item's header. For str, bin and ext the payload follows (and
// `length` is its size); for arrays and maps `length` items/pairs follow.
struct Header {
  Format format = Format::kNil;
  bool boolean = false;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  uint64_t length = 0;
  int8_t ext_type = 0;
};

// True if `b` starts an ext item (fixext or ext 8/16/32).
inline bool IsExtByte(uint8_t b) {
  return (b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8);
}

// Reads MessagePack items from a byte string it does not own. Never reads
// out of bounds.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  size_t remaining() const { return in_.size() - pos_; }
  bool AtEnd() const { return pos_ >= in_.size(); }
  uint8_t PeekByte() const { return static_cast<uint8_t>(in_[pos_]); }

  // Reads the next header; false on truncated input or the unused 0xc1.
  bool ReadHeader(Header* h);

  bool ReadBytes(uint64_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = in_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }

  // Skips one complete item (iteratively, so hostile nesting cannot
  // exhaust the stack). False on malformed or truncated input.
  bool Skip();

 private:
  // The header of an item whose first byte `b` is a type tag (0xc0..0xdf)
  // rather than a fix form.
  bool ReadTaggedHeader(uint8_t b, Header* h);
  // int 8/16/32/64, uint 8/16/32/64 and float 32/64 (0xca..0xd3).
  bool ReadNumberHeader(uint8_t b, Header* h);

  bool ReadByte(uint8_t* b) {
    if (AtEnd()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool ReadBigEndian(int bytes, uint64_t* v) {
    if (remaining() < static_cast<size_t>(bytes)) return false;
    uint64_t r = 0;
    for (int i = 0; i < bytes; ++i) {
      r = (r << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    }
    pos_ += bytes;
    *v = r;
    return true;
  }
  bool ReadExtType(Header* h) {
    uint8_t t;
    if (!ReadByte(&t)) return false;
    h->ext_type = static_cast<int8_t>(t);
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

// Converts a number header (int, uint, float, or the text of a str/bin).
// Errors: kInvalidArgument for NaN, bad decimal text or a non-number item.
absl::StatusOr<values::Number> NumberFromHeader(const Header& h,
                                                std::string_view text);

}  // namespace cvm::values::internal::msgpack

#endif  // CVM_PROVIDER_VALUES_INTERNAL_MSGPACK_WIRE_H_
