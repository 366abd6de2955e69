// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/internal/json_text.h"

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/util/json_string.h"
#include "provider/util/status_macros.h"

namespace cvm::values::internal {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A recursive-descent parser; recursion is bounded by kMaxJsonDepth.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  absl::Status ParseDocument(JsonNode* out) {
    SkipWhitespace();
    absl::Status st = ParseValue(out, 0);
    if (!st.ok()) return st;
    SkipWhitespace();
    if (pos_ != s_.size()) return Error("unexpected data after the value");
    return absl::OkStatus();
  }

 private:
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at offset ", pos_, ": ",
                     absl::string_view(what.data(), what.size())));
  }

  void SkipWhitespace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                                s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool ConsumeLiteral(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }

  absl::Status ParseValue(JsonNode* out, int depth) {
    if (pos_ >= s_.size()) return Error("unexpected end of input");
    char c = s_[pos_];
    switch (c) {
      case 'n':
        if (!ConsumeLiteral("null")) return Error("invalid literal");
        out->kind = JsonNode::Kind::kNull;
        return absl::OkStatus();
      case 't':
        if (!ConsumeLiteral("true")) return Error("invalid literal");
        out->kind = JsonNode::Kind::kBool;
        out->boolean = true;
        return absl::OkStatus();
      case 'f':
        if (!ConsumeLiteral("false")) return Error("invalid literal");
        out->kind = JsonNode::Kind::kBool;
        out->boolean = false;
        return absl::OkStatus();
      case '"':
        out->kind = JsonNode::Kind::kString;
        return ParseString(&out->text);
      case '[':
        return ParseArray(out, depth + 1);
      case '{':
        return ParseObject(out, depth + 1);
      default:
        if (c == '-' || IsDigit(c)) {
          out->kind = JsonNode::Kind::kNumber;
          return ParseNumber(&out->text);
        }
        return Error("unexpected character");
    }
  }

  absl::Status ParseNumber(std::string* out) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Error("invalid number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) {
        return Error("invalid number");
      }
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) {
        return Error("invalid number");
      }
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    out->assign(s_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  // Reads four hex digits at pos_; -1 if they are not there.
  int32_t ReadHex4() {
    if (s_.size() - pos_ < 4) return -1;
    int32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = HexValue(s_[pos_ + i]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    pos_ += 4;
    return v;
  }

  absl::Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    out->clear();
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c < 0x20) return Error("control character in string");
      if (c == '\\') {
        CVM_RETURN_IF_ERROR(ParseEscape(out));
        continue;
      }
      if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      size_t n = util::Utf8SequenceLength(s_, pos_);
      if (n == 0) {
        out->append(kReplacement);
        ++pos_;
      } else {
        out->append(s_.substr(pos_, n));
        pos_ += n;
      }
    }
  }

  // The escape sequence whose backslash is at pos_, appended to `out`.
  absl::Status ParseEscape(std::string* out) {
    ++pos_;
    if (pos_ >= s_.size()) return Error("unterminated string");
    char e = s_[pos_++];
    switch (e) {
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '/':
        out->push_back('/');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u':
        return ParseUnicodeEscape(out);
      default:
        --pos_;
        return Error("invalid escape in string");
    }
    return absl::OkStatus();
  }

  // The hex digits of a \u escape at pos_, appended to `out` as UTF-8: a
  // surrogate pair as one code point, a lone surrogate as U+FFFD.
  absl::Status ParseUnicodeEscape(std::string* out) {
    int32_t cp = ReadHex4();
    if (cp < 0) return Error("invalid \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // A high surrogate must be followed by an escaped low one.
      size_t save = pos_;
      if (s_.substr(pos_, 2) == "\\u") {
        pos_ += 2;
        int32_t lo = ReadHex4();
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          AppendUtf8(static_cast<uint32_t>(cp), out);
          return absl::OkStatus();
        }
      }
      pos_ = save;
      out->append(kReplacement);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      out->append(kReplacement);
    } else {
      AppendUtf8(static_cast<uint32_t>(cp), out);
    }
    return absl::OkStatus();
  }

  absl::Status ParseArray(JsonNode* out, int depth) {
    if (depth > kMaxJsonDepth) return Error("nesting too deep");
    out->kind = JsonNode::Kind::kArray;
    ++pos_;  // '['
    SkipWhitespace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipWhitespace();
      out->elements.emplace_back();
      absl::Status st = ParseValue(&out->elements.back(), depth);
      if (!st.ok()) return st;
      SkipWhitespace();
      if (pos_ >= s_.size()) return Error("unterminated array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      return Error("expected ',' or ']'");
    }
  }

  absl::Status ParseObject(JsonNode* out, int depth) {
    if (depth > kMaxJsonDepth) return Error("nesting too deep");
    out->kind = JsonNode::Kind::kObject;
    ++pos_;  // '{'
    SkipWhitespace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    std::set<std::string> seen;
    while (true) {
      SkipWhitespace();
      if (pos_ >= s_.size() || s_[pos_] != '"') {
        return Error("expected a string key");
      }
      std::string key;
      absl::Status st = ParseString(&key);
      if (!st.ok()) return st;
      if (!seen.insert(key).second) {
        return Error(absl::StrCat("duplicate key \"", key, "\""));
      }
      SkipWhitespace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      SkipWhitespace();
      out->keys.push_back(std::move(key));
      out->elements.emplace_back();
      st = ParseValue(&out->elements.back(), depth);
      if (!st.ok()) return st;
      SkipWhitespace();
      if (pos_ >= s_.size()) return Error("unterminated object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return absl::OkStatus();
      }
      return Error("expected ',' or '}'");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<JsonNode> ParseJson(std::string_view text) {
  JsonNode node;
  Parser parser(text);
  absl::Status st = parser.ParseDocument(&node);
  if (!st.ok()) return st;
  return node;
}

const char* JsonKindName(JsonNode::Kind kind) {
  switch (kind) {
    case JsonNode::Kind::kNull:
      return "null";
    case JsonNode::Kind::kBool:
      return "bool";
    case JsonNode::Kind::kNumber:
      return "number";
    case JsonNode::Kind::kString:
      return "string";
    case JsonNode::Kind::kArray:
      return "array";
    case JsonNode::Kind::kObject:
      return "object";
  }
  return "unknown";
}

}  // namespace cvm::values::internal
