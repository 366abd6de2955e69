// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The byte-level MessagePack reader and writer are written here rather than
// taken from a library: cty needs exact control over ext types, number forms
// and bounds checking on hostile input.

#include "provider/values/msgpack.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/util/json_string.h"
#include "provider/util/status_macros.h"
#include "provider/values/internal/json_text.h"
#include "provider/values/path.h"

namespace cvm::values {
namespace {

constexpr int kMaxDepth = 256;
constexpr size_t kMaxRefinementPayload = 1024;
constexpr int8_t kRefinedUnknownExt = 12;

// Refinement map keys (cty msgpack/unknown.go).
constexpr int64_t kKeyNullness = 1;
constexpr int64_t kKeyStringPrefix = 2;
constexpr int64_t kKeyNumberMin = 3;
constexpr int64_t kKeyNumberMax = 4;
constexpr int64_t kKeyLengthMin = 5;
constexpr int64_t kKeyLengthMax = 6;

// "<path>: " for messages, with a leading '.' before an attribute name as
// Terraform writes it (".rule[0].port: number required").
std::string PathPrefix(const std::vector<PathStep>& steps) {
  if (steps.empty()) return "";
  std::string out;
  if (std::holds_alternative<AttributeStep>(steps.front())) out.push_back('.');
  out.append(Path(steps).ToString());
  out.append(": ");
  return out;
}

// ---------------------------------------------------------------------------
// Writer

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
  void Int(int64_t v) {
    if (v >= 0) return Uint(static_cast<uint64_t>(v));
    if (v >= -32) return Byte(static_cast<uint8_t>(v));
    if (v >= std::numeric_limits<int8_t>::min()) {
      Byte(0xd0);
      return BigEndian(static_cast<uint64_t>(v), 1);
    }
    if (v >= std::numeric_limits<int16_t>::min()) {
      Byte(0xd1);
      return BigEndian(static_cast<uint64_t>(v), 2);
    }
    if (v >= std::numeric_limits<int32_t>::min()) {
      Byte(0xd2);
      return BigEndian(static_cast<uint64_t>(v), 4);
    }
    Byte(0xd3);
    BigEndian(static_cast<uint64_t>(v), 8);
  }
  void Uint(uint64_t v) {
    if (v <= 0x7f) return Byte(static_cast<uint8_t>(v));
    if (v <= 0xff) {
      Byte(0xcc);
      return BigEndian(v, 1);
    }
    if (v <= 0xffff) {
      Byte(0xcd);
      return BigEndian(v, 2);
    }
    if (v <= 0xffffffff) {
      Byte(0xce);
      return BigEndian(v, 4);
    }
    Byte(0xcf);
    BigEndian(v, 8);
  }
  void Float64(double d) {
    Byte(0xcb);
    BigEndian(std::bit_cast<uint64_t>(d), 8);
  }
  void Str(std::string_view s) {
    size_t n = s.size();
    if (n <= 31) {
      Byte(static_cast<uint8_t>(0xa0 | n));
    } else if (n <= 0xff) {
      Byte(0xd9);
      BigEndian(n, 1);
    } else if (n <= 0xffff) {
      Byte(0xda);
      BigEndian(n, 2);
    } else {
      Byte(0xdb);
      BigEndian(n, 4);
    }
    out_.append(s);
  }
  void Bin(std::string_view s) {
    size_t n = s.size();
    if (n <= 0xff) {
      Byte(0xc4);
      BigEndian(n, 1);
    } else if (n <= 0xffff) {
      Byte(0xc5);
      BigEndian(n, 2);
    } else {
      Byte(0xc6);
      BigEndian(n, 4);
    }
    out_.append(s);
  }
  void ArrayHeader(size_t n) {
    if (n <= 15) {
      Byte(static_cast<uint8_t>(0x90 | n));
    } else if (n <= 0xffff) {
      Byte(0xdc);
      BigEndian(n, 2);
    } else {
      Byte(0xdd);
      BigEndian(n, 4);
    }
  }
  void MapHeader(size_t n) {
    if (n <= 15) {
      Byte(static_cast<uint8_t>(0x80 | n));
    } else if (n <= 0xffff) {
      Byte(0xde);
      BigEndian(n, 2);
    } else {
      Byte(0xdf);
      BigEndian(n, 4);
    }
  }
  void Ext(int8_t type, std::string_view payload) {
    size_t n = payload.size();
    switch (n) {
      case 1:
        Byte(0xd4);
        break;
      case 2:
        Byte(0xd5);
        break;
      case 4:
        Byte(0xd6);
        break;
      case 8:
        Byte(0xd7);
        break;
      case 16:
        Byte(0xd8);
        break;
      default:
        if (n <= 0xff) {
          Byte(0xc7);
          BigEndian(n, 1);
        } else if (n <= 0xffff) {
          Byte(0xc8);
          BigEndian(n, 2);
        } else {
          Byte(0xc9);
          BigEndian(n, 4);
        }
    }
    Byte(static_cast<uint8_t>(type));
    out_.append(payload);
  }
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

// True if a value of type `have` may stand at a position of type `want`.
bool Conforms(const Type& have, const Type& want) {
  if (want.IsDynamic() || have.IsDynamic()) return true;
  if (have.kind() != want.kind()) return false;
  switch (want.kind()) {
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kMap:
      return Conforms(have.element(), want.element());
    case Type::Kind::kObject: {
      const auto& ha = have.attributes();
      const auto& wa = want.attributes();
      if (ha.size() != wa.size()) return false;
      for (auto hi = ha.begin(), wi = wa.begin(); hi != ha.end(); ++hi, ++wi) {
        if (hi->first != wi->first || !Conforms(hi->second, wi->second)) {
          return false;
        }
      }
      return true;
    }
    case Type::Kind::kTuple: {
      const auto& he = have.tuple_elements();
      const auto& we = want.tuple_elements();
      if (he.size() != we.size()) return false;
      for (size_t i = 0; i < he.size(); ++i) {
        if (!Conforms(he[i], we[i])) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

// The refinement payload (a msgpack map) for an unknown at a position of
// type `t`, with the string prefix cut to `prefix_limit` bytes. Empty when
// there is nothing to say.
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

class Encoder {
 public:
  absl::Status Encode(const Value& v, const Type& t) {
    if (t.IsDynamic()) {
      if (!v.type().IsDynamic()) {
        w_.ArrayHeader(2);
        w_.Bin(v.type().ToJson());
        return Encode(v, v.type());
      }
      if (v.IsUnknown()) {
        w_.PlainUnknown();  // cty.DynamicVal never has refinements
        return absl::OkStatus();
      }
      if (v.IsNull()) {
        w_.Nil();
        return absl::OkStatus();
      }
      return Error("a known value cannot have type dynamic");
    }
    if (v.IsNull() || v.IsUnknown()) {
      if (!Conforms(v.type(), t)) return Mismatch(v, t);
      if (v.IsNull()) {
        w_.Nil();
      } else {
        WriteUnknown(v.refinements(), t);
      }
      return absl::OkStatus();
    }
    if (v.type().kind() != t.kind()) return Mismatch(v, t);
    switch (t.kind()) {
      case Type::Kind::kString:
        w_.Str(v.AsString());
        return absl::OkStatus();
      case Type::Kind::kNumber:
        w_.Number(v.AsNumber());
        return absl::OkStatus();
      case Type::Kind::kBool:
        w_.Bool(v.AsBool());
        return absl::OkStatus();
      case Type::Kind::kList:
      case Type::Kind::kSet: {
        const std::vector<Value>& elements = v.Elements();
        w_.ArrayHeader(elements.size());
        for (size_t i = 0; i < elements.size(); ++i) {
          path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
          CVM_RETURN_IF_ERROR(Encode(elements[i], t.element()));
          path_.pop_back();
        }
        return absl::OkStatus();
      }
      case Type::Kind::kMap: {
        const auto& entries = v.Entries();
        w_.MapHeader(entries.size());
        for (const auto& [key, e] : entries) {
          path_.emplace_back(KeyStep{key});
          w_.Str(key);
          CVM_RETURN_IF_ERROR(Encode(e, t.element()));
          path_.pop_back();
        }
        return absl::OkStatus();
      }
      case Type::Kind::kObject: {
        const auto& entries = v.Entries();
        const auto& attributes = t.attributes();
        for (const auto& [name, e] : entries) {
          if (!attributes.count(name)) {
            return Error(absl::StrCat("unsupported attribute \"", name, "\""));
          }
        }
        w_.MapHeader(attributes.size());
        for (const auto& [name, attr_type] : attributes) {
          auto it = entries.find(name);
          if (it == entries.end()) {
            return Error(absl::StrCat("attribute \"", name, "\" is required"));
          }
          path_.emplace_back(AttributeStep{name});
          w_.Str(name);
          CVM_RETURN_IF_ERROR(Encode(it->second, attr_type));
          path_.pop_back();
        }
        return absl::OkStatus();
      }
      case Type::Kind::kTuple: {
        const std::vector<Value>& elements = v.Elements();
        const std::vector<Type>& types = t.tuple_elements();
        if (elements.size() != types.size()) {
          return Error(absl::StrCat("a tuple of length ", types.size(),
                                    " is required (", elements.size(),
                                    " given)"));
        }
        w_.ArrayHeader(elements.size());
        for (size_t i = 0; i < elements.size(); ++i) {
          path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
          CVM_RETURN_IF_ERROR(Encode(elements[i], types[i]));
          path_.pop_back();
        }
        return absl::OkStatus();
      }
      case Type::Kind::kDynamic:
        break;
    }
    return Error("unsupported type");
  }

  std::string Take() { return std::move(w_.out()); }

 private:
  void WriteUnknown(const Refinements& r, const Type& t) {
    // Terraform rejects refinement payloads over 1 KiB; shorten the string
    // prefix (a shorter prefix is still true) or, failing that, drop the
    // refinements altogether (an unrefined unknown is always true).
    size_t limit = std::numeric_limits<size_t>::max();
    std::string payload = RefinementPayload(r, t, limit);
    if (payload.size() > kMaxRefinementPayload && r.string_prefix) {
      size_t excess = payload.size() - kMaxRefinementPayload;
      // The prefix's header may shrink too, so a few bytes of slack suffice.
      limit = r.string_prefix->size() > excess + 8
                  ? r.string_prefix->size() - excess - 8
                  : 0;
      payload = RefinementPayload(r, t, limit);
    }
    if (payload.empty() || payload.size() > kMaxRefinementPayload) {
      w_.PlainUnknown();
      return;
    }
    w_.Ext(kRefinedUnknownExt, payload);
  }

  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(PathPrefix(path_), message));
  }

  absl::Status Mismatch(const Value& v, const Type& t) const {
    return Error(absl::StrCat(t.FriendlyName(), " required, got ",
                              v.type().FriendlyName()));
  }

  Writer w_;
  std::vector<PathStep> path_;
};

// ---------------------------------------------------------------------------
// Reader

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

bool IsExtByte(uint8_t b) {
  return (b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  size_t remaining() const { return in_.size() - pos_; }
  bool AtEnd() const { return pos_ >= in_.size(); }
  uint8_t PeekByte() const { return static_cast<uint8_t>(in_[pos_]); }

  // Reads the next header; false on truncated input or the unused 0xc1.
  bool ReadHeader(Header* h) {
    uint8_t b;
    if (!ReadByte(&b)) return false;
    if (b <= 0x7f) {
      h->format = Format::kInt;
      h->i = b;
      return true;
    }
    if (b >= 0xe0) {
      h->format = Format::kInt;
      h->i = static_cast<int8_t>(b);
      return true;
    }
    if (b >= 0x80 && b <= 0x8f) {
      h->format = Format::kMap;
      h->length = b & 0x0f;
      return true;
    }
    if (b >= 0x90 && b <= 0x9f) {
      h->format = Format::kArray;
      h->length = b & 0x0f;
      return true;
    }
    if (b >= 0xa0 && b <= 0xbf) {
      h->format = Format::kStr;
      h->length = b & 0x1f;
      return true;
    }
    uint64_t v = 0;
    switch (b) {
      case 0xc0:
        h->format = Format::kNil;
        return true;
      case 0xc2:
      case 0xc3:
        h->format = Format::kBool;
        h->boolean = b == 0xc3;
        return true;
      case 0xc4:
      case 0xc5:
      case 0xc6:
        h->format = Format::kBin;
        return ReadBigEndian(1 << (b - 0xc4), &h->length);
      case 0xc7:
      case 0xc8:
      case 0xc9:
        h->format = Format::kExt;
        if (!ReadBigEndian(1 << (b - 0xc7), &h->length)) return false;
        return ReadExtType(h);
      case 0xca:
        if (!ReadBigEndian(4, &v)) return false;
        h->format = Format::kFloat;
        h->f = std::bit_cast<float>(static_cast<uint32_t>(v));
        return true;
      case 0xcb:
        if (!ReadBigEndian(8, &v)) return false;
        h->format = Format::kFloat;
        h->f = std::bit_cast<double>(v);
        return true;
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        h->format = Format::kUint;
        return ReadBigEndian(1 << (b - 0xcc), &h->u);
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        int bytes = 1 << (b - 0xd0);
        if (!ReadBigEndian(bytes, &v)) return false;
        h->format = Format::kInt;
        if (bytes < 8) {
          // Sign-extend.
          int shift = 64 - 8 * bytes;
          h->i = static_cast<int64_t>(v << shift) >> shift;
        } else {
          h->i = static_cast<int64_t>(v);
        }
        return true;
      }
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        h->format = Format::kExt;
        h->length = uint64_t{1} << (b - 0xd4);
        return ReadExtType(h);
      case 0xd9:
      case 0xda:
      case 0xdb:
        h->format = Format::kStr;
        return ReadBigEndian(1 << (b - 0xd9), &h->length);
      case 0xdc:
      case 0xdd:
        h->format = Format::kArray;
        return ReadBigEndian(2 << (b - 0xdc), &h->length);
      case 0xde:
      case 0xdf:
        h->format = Format::kMap;
        return ReadBigEndian(2 << (b - 0xde), &h->length);
      default:  // 0xc1, never used
        return false;
    }
  }

  bool ReadBytes(uint64_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = in_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }

  // Skips one complete item (iteratively, so hostile nesting cannot
  // exhaust the stack). False on malformed or truncated input.
  bool Skip() {
    uint64_t pending = 1;
    while (pending > 0) {
      --pending;
      Header h;
      if (!ReadHeader(&h)) return false;
      std::string_view ignored;
      switch (h.format) {
        case Format::kStr:
        case Format::kBin:
        case Format::kExt:
          if (!ReadBytes(h.length, &ignored)) return false;
          break;
        case Format::kArray:
          if (h.length > remaining()) return false;
          pending += h.length;
          break;
        case Format::kMap:
          if (h.length > remaining() / 2) return false;
          pending += 2 * h.length;
          break;
        default:
          break;
      }
    }
    return true;
  }

 private:
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

const char* FormatName(Format f) {
  switch (f) {
    case Format::kNil:
      return "nil";
    case Format::kBool:
      return "bool";
    case Format::kInt:
    case Format::kUint:
      return "integer";
    case Format::kFloat:
      return "float";
    case Format::kStr:
      return "string";
    case Format::kBin:
      return "binary";
    case Format::kArray:
      return "array";
    case Format::kMap:
      return "map";
    case Format::kExt:
      return "extension";
  }
  return "?";
}

// Converts a number header (int, uint, float, or the text of a str/bin).
absl::StatusOr<Number> NumberFromHeader(const Header& h,
                                        std::string_view text) {
  switch (h.format) {
    case Format::kInt:
      return Number::FromInt64(h.i);
    case Format::kUint:
      return Number::FromUint64(h.u);
    case Format::kFloat:
      if (std::isnan(h.f)) {
        return absl::InvalidArgumentError("NaN is not a valid number");
      }
      return Number::FromDouble(h.f);
    case Format::kStr:
    case Format::kBin:
      return Number::Parse(text);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("number required, got ", FormatName(h.format)));
  }
}

class Decoder {
 public:
  explicit Decoder(std::string_view in) : r_(in) {}

  absl::StatusOr<Value> DecodeTop(const Type& t) {
    CVM_ASSIGN_OR_RETURN(Value v, Decode(t, 0));
    if (!r_.AtEnd()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected trailing bytes after the value (",
                       r_.remaining(), " bytes)"));
    }
    return v;
  }

 private:
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(PathPrefix(path_), message));
  }
  absl::Status Truncated() const {
    return Error("truncated or malformed input");
  }
  absl::Status Required(absl::string_view what, const Header& h) const {
    return Error(absl::StrCat(what, " required, got ", FormatName(h.format)));
  }

  absl::StatusOr<Header> Next() {
    Header h;
    if (!r_.ReadHeader(&h)) return Truncated();
    return h;
  }

  absl::StatusOr<std::string_view> Payload(const Header& h) {
    std::string_view bytes;
    if (!r_.ReadBytes(h.length, &bytes)) return Truncated();
    return bytes;
  }

  absl::StatusOr<Value> Decode(const Type& t, int depth) {
    if (depth > kMaxDepth) {
      return Error(absl::StrCat("nesting deeper than ", kMaxDepth, " levels"));
    }
    if (r_.AtEnd()) return Error("unexpected end of input");
    uint8_t peek = r_.PeekByte();
    if (IsExtByte(peek)) return DecodeUnknown(t);
    if (peek == 0xc0) {
      CVM_ASSIGN_OR_RETURN(Header h, Next());
      (void)h;
      return Value::Null(t);
    }
    CVM_ASSIGN_OR_RETURN(Header h, Next());
    switch (t.kind()) {
      case Type::Kind::kDynamic:
        return DecodeDynamic(h, depth);
      case Type::Kind::kString: {
        if (h.format != Format::kStr && h.format != Format::kBin) {
          return Required("string", h);
        }
        CVM_ASSIGN_OR_RETURN(std::string_view s, Payload(h));
        return Value::String(std::string(s));
      }
      case Type::Kind::kNumber: {
        std::string_view text;
        if (h.format == Format::kStr || h.format == Format::kBin) {
          CVM_ASSIGN_OR_RETURN(text, Payload(h));
        }
        absl::StatusOr<Number> n = NumberFromHeader(h, text);
        if (!n.ok()) return Error(n.status().message());
        return Value::Number(*std::move(n));
      }
      case Type::Kind::kBool:
        if (h.format != Format::kBool) return Required("bool", h);
        return Value::Bool(h.boolean);
      case Type::Kind::kList:
      case Type::Kind::kSet: {
        bool is_set = t.kind() == Type::Kind::kSet;
        if (h.format != Format::kArray) {
          return Required(is_set ? "set" : "list", h);
        }
        CVM_ASSIGN_OR_RETURN(
            std::vector<Value> elements,
            DecodeElements(h.length, nullptr, &t.element(), depth));
        return is_set ? Value::Set(t.element(), std::move(elements))
                      : Value::List(t.element(), std::move(elements));
      }
      case Type::Kind::kTuple: {
        if (h.format != Format::kArray) return Required("tuple", h);
        const std::vector<Type>& types = t.tuple_elements();
        if (h.length != types.size()) {
          return Error(absl::StrCat("a tuple of length ", types.size(),
                                    " is required (", h.length, " given)"));
        }
        CVM_ASSIGN_OR_RETURN(std::vector<Value> elements,
                             DecodeElements(h.length, &types, nullptr, depth));
        return Value::Tuple(std::move(elements));
      }
      case Type::Kind::kMap:
        if (h.format != Format::kMap) return Required("map", h);
        return DecodeMap(h.length, t.element(), depth);
      case Type::Kind::kObject:
        if (h.format != Format::kMap) return Required("object", h);
        return DecodeObject(h.length, t, depth);
    }
    return Error("unsupported type");
  }

  // Decodes `n` array elements, each of `*element` or of (*types)[i].
  absl::StatusOr<std::vector<Value>> DecodeElements(
      uint64_t n, const std::vector<Type>* types, const Type* element,
      int depth) {
    if (n > r_.remaining()) return Truncated();  // each needs >= 1 byte
    std::vector<Value> elements;
    elements.reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
      CVM_ASSIGN_OR_RETURN(
          Value v, Decode(types ? (*types)[static_cast<size_t>(i)] : *element,
                          depth + 1));
      path_.pop_back();
      elements.push_back(std::move(v));
    }
    return elements;
  }

  // Reads a map key (str or bin, as cty's DecodeString accepts).
  absl::StatusOr<std::string> DecodeKey(absl::string_view what) {
    CVM_ASSIGN_OR_RETURN(Header h, Next());
    if (h.format != Format::kStr && h.format != Format::kBin) {
      return Error(absl::StrCat(what, " keys must be strings, got ",
                                FormatName(h.format)));
    }
    CVM_ASSIGN_OR_RETURN(std::string_view key, Payload(h));
    return std::string(key);
  }

  absl::StatusOr<Value> DecodeMap(uint64_t n, const Type& element, int depth) {
    if (n > r_.remaining() / 2) return Truncated();  // each pair >= 2 bytes
    std::map<std::string, Value> entries;
    for (uint64_t i = 0; i < n; ++i) {
      CVM_ASSIGN_OR_RETURN(std::string key, DecodeKey("map"));
      if (entries.count(key)) {
        return Error(absl::StrCat("duplicate map key \"", key, "\""));
      }
      path_.emplace_back(KeyStep{key});
      CVM_ASSIGN_OR_RETURN(Value v, Decode(element, depth + 1));
      path_.pop_back();
      entries.emplace(std::move(key), std::move(v));
    }
    return Value::Map(element, std::move(entries));
  }

  absl::StatusOr<Value> DecodeObject(uint64_t n, const Type& t, int depth) {
    const auto& attributes = t.attributes();
    if (n != attributes.size()) {
      return Error(absl::StrCat("an object with ", attributes.size(),
                                " attributes is required (", n, " given)"));
    }
    std::map<std::string, Value> values;
    for (uint64_t i = 0; i < n; ++i) {
      CVM_ASSIGN_OR_RETURN(std::string name, DecodeKey("object"));
      auto it = attributes.find(name);
      if (it == attributes.end()) {
        return Error(absl::StrCat("unsupported attribute \"", name, "\""));
      }
      if (values.count(name)) {
        return Error(absl::StrCat("duplicate attribute \"", name, "\""));
      }
      path_.emplace_back(AttributeStep{name});
      CVM_ASSIGN_OR_RETURN(Value v, Decode(it->second, depth + 1));
      path_.pop_back();
      values.emplace(std::move(name), std::move(v));
    }
    return Value::Object(std::move(values));
  }

  // [bin type-JSON, value]; nil and unknown were handled by the caller.
  absl::StatusOr<Value> DecodeDynamic(const Header& h, int depth) {
    if (h.format != Format::kArray || h.length != 2) {
      return Error(
          "a dynamic value must be an array of two elements [type, value]");
    }
    CVM_ASSIGN_OR_RETURN(Header th, Next());
    if (th.format != Format::kBin && th.format != Format::kStr) {
      return Error(
          absl::StrCat("the type of a dynamic value must be JSON "
                       "bytes, got ",
                       FormatName(th.format)));
    }
    CVM_ASSIGN_OR_RETURN(std::string_view json, Payload(th));
    absl::StatusOr<Type> type = Type::FromJson(json);
    if (!type.ok()) {
      return Error(absl::StrCat("dynamic value: ", type.status().message()));
    }
    return Decode(*type, depth + 1);
  }

  absl::StatusOr<Value> DecodeUnknown(const Type& t) {
    CVM_ASSIGN_OR_RETURN(Header h, Next());
    CVM_ASSIGN_OR_RETURN(std::string_view payload, Payload(h));
    // Zero- or one-byte payloads are plain unknowns whatever the ext type
    // (Terraform writes d4 00 00); ext 0 is a plain unknown at any length.
    if (h.length <= 1 || h.ext_type == 0) return Value::Unknown(t);
    if (h.ext_type != kRefinedUnknownExt) {
      static constexpr char kHex[] = "0123456789abcdef";
      uint8_t code = static_cast<uint8_t>(h.ext_type);
      return Error(absl::StrCat("unsupported extension type 0x",
                                std::string{kHex[code >> 4], kHex[code & 15]},
                                " with payload length ", h.length));
    }
    if (h.length > kMaxRefinementPayload) {
      return Error(absl::StrCat("oversize unknown value refinement (", h.length,
                                " bytes)"));
    }
    return DecodeRefinements(payload, t);
  }

  absl::StatusOr<Value> DecodeRefinements(std::string_view payload,
                                          const Type& t) {
    Reader r(payload);
    auto bad = [this](absl::string_view why) {
      return Error(absl::StrCat("malformed unknown value refinements: ", why));
    };
    Header h;
    if (!r.ReadHeader(&h) || h.format != Format::kMap) {
      return bad("not a map");
    }
    // cty ignores all refinements of an unknown of type dynamic.
    if (t.IsDynamic()) return Value::Unknown(t);
    Refinements ref;
    for (uint64_t i = 0; i < h.length; ++i) {
      Header kh;
      if (!r.ReadHeader(&kh)) return bad("truncated");
      int64_t key;
      if (kh.format == Format::kInt) {
        key = kh.i;
      } else if (kh.format == Format::kUint) {
        // Keys beyond int64 can only be unknown keys.
        key = kh.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                  ? -1
                  : static_cast<int64_t>(kh.u);
      } else {
        return bad("non-integer key in map");
      }
      switch (key) {
        case kKeyNullness: {
          Header vh;
          if (!r.ReadHeader(&vh) || vh.format != Format::kBool) {
            return bad("null refinement is not boolean");
          }
          // true means "definitely null": cty collapses it to a null.
          if (vh.boolean) return Value::Null(t);
          ref.not_null = true;
          break;
        }
        case kKeyStringPrefix: {
          if (t.kind() != Type::Kind::kString) {
            return bad("string prefix refinement for non-string type");
          }
          Header vh;
          std::string_view prefix;
          if (!r.ReadHeader(&vh) ||
              (vh.format != Format::kStr && vh.format != Format::kBin) ||
              !r.ReadBytes(vh.length, &prefix)) {
            return bad("string prefix refinement is not a string");
          }
          for (size_t k = 0; k < prefix.size();) {
            size_t n = util::Utf8SequenceLength(prefix, k);
            if (n == 0) return bad("string prefix refinement is not UTF-8");
            k += n;
          }
          ref.string_prefix = std::string(prefix);
          break;
        }
        case kKeyNumberMin:
        case kKeyNumberMax: {
          if (t.kind() != Type::Kind::kNumber) {
            return bad("numeric bound refinement for non-number type");
          }
          Header ah, nh, bh;
          std::string_view text;
          if (!r.ReadHeader(&ah) || ah.format != Format::kArray ||
              ah.length != 2 || !r.ReadHeader(&nh)) {
            return bad("number bound must be a [number, bool] array");
          }
          if ((nh.format == Format::kStr || nh.format == Format::kBin) &&
              !r.ReadBytes(nh.length, &text)) {
            return bad("truncated");
          }
          absl::StatusOr<Number> bound = NumberFromHeader(nh, text);
          if (!bound.ok() || !r.ReadHeader(&bh) || bh.format != Format::kBool) {
            return bad("number bound must be a [number, bool] array");
          }
          auto b = std::make_pair(*std::move(bound), bh.boolean);
          if (key == kKeyNumberMin) {
            ref.number_lower = std::move(b);
          } else {
            ref.number_upper = std::move(b);
          }
          break;
        }
        case kKeyLengthMin:
        case kKeyLengthMax: {
          if (!t.IsCollection()) {
            return bad("length bound refinement for non-collection type");
          }
          Header vh;
          if (!r.ReadHeader(&vh)) return bad("truncated");
          int64_t bound;
          if (vh.format == Format::kInt) {
            bound = vh.i;
          } else if (vh.format == Format::kUint &&
                     vh.u <= static_cast<uint64_t>(
                                 std::numeric_limits<int64_t>::max())) {
            bound = static_cast<int64_t>(vh.u);
          } else {
            return bad("length bound must be an integer");
          }
          if (key == kKeyLengthMin) {
            ref.length_lower = bound;
          } else {
            ref.length_upper = bound;
          }
          break;
        }
        default:
          // Unknown keys are ignored, for future refinements.
          if (!r.Skip()) return bad("truncated");
      }
    }
    // Trailing bytes in the payload are ignored, as cty does. Refinements
    // whose canonical encoding would not fit the limit are rejected, so that
    // every decoded unknown re-encodes exactly (Terraform's own payloads
    // are never longer than ours).
    if (RefinementPayload(ref, t, std::numeric_limits<size_t>::max()).size() >
        kMaxRefinementPayload) {
      return Error("oversize unknown value refinement");
    }
    return Value::Unknown(t, std::move(ref));
  }

  Reader r_;
  std::vector<PathStep> path_;
};

}  // namespace

absl::StatusOr<std::string> EncodeMsgpack(const Value& value,
                                          const Type& type) {
  Encoder e;
  CVM_RETURN_IF_ERROR(e.Encode(value, type));
  return e.Take();
}

absl::StatusOr<Value> DecodeMsgpack(std::string_view bytes, const Type& type) {
  Decoder d(bytes);
  return d.DecodeTop(type);
}

}  // namespace cvm::values
