// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/internal/msgpack_wire.h"

#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cvm::values::internal::msgpack {

// ---------------------------------------------------------------------------
// Writer

void Writer::Int(int64_t v) {
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

void Writer::Uint(uint64_t v) {
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

void Writer::Str(std::string_view s) {
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

void Writer::Bin(std::string_view s) {
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

void Writer::ArrayHeader(size_t n) {
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

void Writer::MapHeader(size_t n) {
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

void Writer::Ext(int8_t type, std::string_view payload) {
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

// ---------------------------------------------------------------------------
// Reader

bool Reader::ReadHeader(Header* h) {
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
  return ReadTaggedHeader(b, h);
}

bool Reader::ReadTaggedHeader(uint8_t b, Header* h) {
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
    case 0xcb:
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
      return ReadNumberHeader(b, h);
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

bool Reader::ReadNumberHeader(uint8_t b, Header* h) {
  uint64_t v = 0;
  switch (b) {
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
    default:  // not a number tag; ReadTaggedHeader never passes one
      return false;
  }
}

bool Reader::Skip() {
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

absl::StatusOr<values::Number> NumberFromHeader(const Header& h,
                                                std::string_view text) {
  switch (h.format) {
    case Format::kInt:
      return values::Number::FromInt64(h.i);
    case Format::kUint:
      return values::Number::FromUint64(h.u);
    case Format::kFloat:
      if (std::isnan(h.f)) {
        return absl::InvalidArgumentError("NaN is not a valid number");
      }
      return values::Number::FromDouble(h.f);
    case Format::kStr:
    case Format::kBin:
      return values::Number::Parse(text);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("number required, got ", FormatName(h.format)));
  }
}

}  // namespace cvm::values::internal::msgpack
