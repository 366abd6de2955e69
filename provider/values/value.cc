// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/value.h"

#include <algorithm>
#include <string>
#include <utility>

#include "provider/util/json_string.h"

namespace cvm::values {

struct Value::Known {
  std::string str;                       // string
  values::Number num;                    // number
  bool b = false;                        // bool
  std::vector<Value> elements;           // list, set, tuple
  std::map<std::string, Value> entries;  // map, object
};

namespace {

const std::shared_ptr<const Refinements>& EmptyRefinements() {
  static const auto* const kEmpty = new std::shared_ptr<const Refinements>(
      std::make_shared<const Refinements>());
  return *kEmpty;
}

template <typename T>
int Cmp(const T& a, const T& b) {
  if (a < b) return -1;
  if (b < a) return 1;
  return 0;
}

template <typename T, typename F>
int CompareOptional(const std::optional<T>& a, const std::optional<T>& b,
                    F cmp) {
  if (a.has_value() != b.has_value()) return a.has_value() ? 1 : -1;
  if (!a.has_value()) return 0;
  return cmp(*a, *b);
}

int CompareTypes(const Type& a, const Type& b) {
  if (a.kind() != b.kind()) {
    return Cmp(static_cast<int>(a.kind()), static_cast<int>(b.kind()));
  }
  switch (a.kind()) {
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kMap:
      return CompareTypes(a.element(), b.element());
    case Type::Kind::kObject: {
      const auto& aa = a.attributes();
      const auto& ba = b.attributes();
      auto ai = aa.begin();
      auto bi = ba.begin();
      for (; ai != aa.end() && bi != ba.end(); ++ai, ++bi) {
        if (int c = Cmp(ai->first, bi->first)) return c;
        if (int c = CompareTypes(ai->second, bi->second)) return c;
      }
      if (int c = Cmp(aa.size(), ba.size())) return c;
      return Cmp(a.optional_attributes(), b.optional_attributes());
    }
    case Type::Kind::kTuple: {
      const auto& ae = a.tuple_elements();
      const auto& be = b.tuple_elements();
      for (size_t i = 0; i < ae.size() && i < be.size(); ++i) {
        if (int c = CompareTypes(ae[i], be[i])) return c;
      }
      return Cmp(ae.size(), be.size());
    }
    default:
      return 0;
  }
}

int CompareRefinements(const Refinements& a, const Refinements& b) {
  auto plain = [](const auto& x, const auto& y) { return Cmp(x, y); };
  auto bound = [](const std::pair<Number, bool>& x,
                  const std::pair<Number, bool>& y) {
    if (int c = Cmp(x.first, y.first)) return c;
    return Cmp(x.second, y.second);
  };
  if (int c = CompareOptional(a.not_null, b.not_null, plain)) return c;
  if (int c = CompareOptional(a.string_prefix, b.string_prefix, plain)) {
    return c;
  }
  if (int c = CompareOptional(a.number_lower, b.number_lower, bound)) return c;
  if (int c = CompareOptional(a.number_upper, b.number_upper, bound)) return c;
  if (int c = CompareOptional(a.length_lower, b.length_lower, plain)) return c;
  return CompareOptional(a.length_upper, b.length_upper, plain);
}

// Total order on values, consistent with operator== (0 exactly when equal).
// Used to give sets their canonical order.
int CompareValues(const Value& a, const Value& b) {
  if (int c = CompareTypes(a.type(), b.type())) return c;
  auto state = [](const Value& v) {
    return v.IsNull() ? 0 : (v.IsKnown() ? 1 : 2);
  };
  if (int c = Cmp(state(a), state(b))) return c;
  if (a.IsNull()) return 0;
  if (a.IsUnknown())
    return CompareRefinements(a.refinements(), b.refinements());
  switch (a.type().kind()) {
    case Type::Kind::kString:
      return Cmp(a.AsString(), b.AsString());
    case Type::Kind::kNumber:
      return Cmp(a.AsNumber(), b.AsNumber());
    case Type::Kind::kBool:
      return Cmp(a.AsBool(), b.AsBool());
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kTuple: {
      const auto& ae = a.Elements();
      const auto& be = b.Elements();
      for (size_t i = 0; i < ae.size() && i < be.size(); ++i) {
        if (int c = CompareValues(ae[i], be[i])) return c;
      }
      return Cmp(ae.size(), be.size());
    }
    case Type::Kind::kMap:
    case Type::Kind::kObject: {
      const auto& ae = a.Entries();
      const auto& be = b.Entries();
      auto ai = ae.begin();
      auto bi = be.begin();
      for (; ai != ae.end() && bi != be.end(); ++ai, ++bi) {
        if (int c = Cmp(ai->first, bi->first)) return c;
        if (int c = CompareValues(ai->second, bi->second)) return c;
      }
      return Cmp(ae.size(), be.size());
    }
    case Type::Kind::kDynamic:
      return 0;
  }
  return 0;
}

}  // namespace

Value::Value() : refinements_(EmptyRefinements()) {}

Value Value::Null(Type type) {
  Value v;
  v.type_ = std::move(type);
  return v;
}

Value Value::Unknown(Type type, Refinements refinements) {
  Value v;
  v.type_ = std::move(type);
  v.state_ = State::kUnknown;
  Type::Kind kind = v.type_.kind();
  if (kind == Type::Kind::kDynamic || refinements.not_null == false) {
    refinements.not_null.reset();
  }
  if (kind != Type::Kind::kString ||
      (refinements.string_prefix && refinements.string_prefix->empty())) {
    refinements.string_prefix.reset();
  }
  if (kind != Type::Kind::kNumber) {
    refinements.number_lower.reset();
    refinements.number_upper.reset();
  }
  if (!v.type_.IsCollection()) {
    refinements.length_lower.reset();
    refinements.length_upper.reset();
  }
  if (!refinements.empty()) {
    v.refinements_ =
        std::make_shared<const Refinements>(std::move(refinements));
  }
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.type_ = Type::String();
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->str = std::move(s);
  v.known_ = std::move(k);
  return v;
}

Value Value::Number(values::Number n) {
  Value v;
  v.type_ = Type::Number();
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->num = std::move(n);
  v.known_ = std::move(k);
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.type_ = Type::Bool();
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->b = b;
  v.known_ = std::move(k);
  return v;
}

Value Value::List(Type element_type, std::vector<Value> elements) {
  Value v;
  v.type_ = Type::List(std::move(element_type));
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->elements = std::move(elements);
  v.known_ = std::move(k);
  return v;
}

Value Value::Set(Type element_type, std::vector<Value> elements) {
  std::stable_sort(
      elements.begin(), elements.end(),
      [](const Value& a, const Value& b) { return CompareValues(a, b) < 0; });
  // Equal elements are adjacent now. Elements containing unknowns stay
  // distinct (two unknowns may turn out to differ), as in cty.
  std::vector<Value> unique;
  unique.reserve(elements.size());
  for (Value& e : elements) {
    if (!unique.empty() && e.IsWhollyKnown() && unique.back() == e) continue;
    unique.push_back(std::move(e));
  }
  Value v;
  v.type_ = Type::Set(std::move(element_type));
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->elements = std::move(unique);
  v.known_ = std::move(k);
  return v;
}

Value Value::Map(Type element_type, std::map<std::string, Value> elements) {
  Value v;
  v.type_ = Type::Map(std::move(element_type));
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->entries = std::move(elements);
  v.known_ = std::move(k);
  return v;
}

Value Value::Object(std::map<std::string, Value> attributes) {
  std::map<std::string, Type> types;
  for (const auto& [name, value] : attributes)
    types.emplace(name, value.type());
  Value v;
  v.type_ = Type::Object(std::move(types));
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->entries = std::move(attributes);
  v.known_ = std::move(k);
  return v;
}

Value Value::Object(std::map<std::string, Value> attributes,
                    const Type& expected) {
  if (expected.kind() != Type::Kind::kObject ||
      !expected.optional_attributes().empty() ||
      expected.attributes().size() != attributes.size()) {
    return Object(std::move(attributes));
  }
  auto want = expected.attributes().begin();
  for (const auto& [name, value] : attributes) {
    if (want->first != name || want->second != value.type()) {
      return Object(std::move(attributes));
    }
    ++want;
  }
  Value v;
  v.type_ = expected;
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->entries = std::move(attributes);
  v.known_ = std::move(k);
  return v;
}

Value Value::Tuple(std::vector<Value> elements) {
  std::vector<Type> types;
  types.reserve(elements.size());
  for (const Value& e : elements) types.push_back(e.type());
  Value v;
  v.type_ = Type::Tuple(std::move(types));
  v.state_ = State::kKnown;
  auto k = std::make_shared<Known>();
  k->elements = std::move(elements);
  v.known_ = std::move(k);
  return v;
}

bool Value::IsWhollyKnown() const {
  if (state_ == State::kNull) return true;
  if (state_ == State::kUnknown) return false;
  for (const Value& e : known_->elements) {
    if (!e.IsWhollyKnown()) return false;
  }
  for (const auto& [name, e] : known_->entries) {
    if (!e.IsWhollyKnown()) return false;
  }
  return true;
}

// The accessors fall back to empty results when called against their
// REQUIRES, so that misuse cannot crash.
const std::string& Value::AsString() const {
  static const std::string* const kEmpty = new std::string();
  return known_ ? known_->str : *kEmpty;
}
const values::Number& Value::AsNumber() const {
  static const values::Number* const kZero = new values::Number();
  return known_ ? known_->num : *kZero;
}
bool Value::AsBool() const { return known_ ? known_->b : false; }
const std::vector<Value>& Value::Elements() const {
  static const std::vector<Value>* const kEmpty = new std::vector<Value>();
  return known_ ? known_->elements : *kEmpty;
}
const std::map<std::string, Value>& Value::Entries() const {
  static const std::map<std::string, Value>* const kEmpty =
      new std::map<std::string, Value>();
  return known_ ? known_->entries : *kEmpty;
}

const Value& Value::GetAttr(const std::string& name) const {
  static const Value* const kNull = new Value();
  if (!known_) return *kNull;
  auto it = known_->entries.find(name);
  return it == known_->entries.end() ? *kNull : it->second;
}

Value Value::WithAttr(const std::string& name, Value v) const& {
  return Value(*this).WithAttr(name, std::move(v));
}

Value Value::WithAttr(const std::string& name, Value v) && {
  if (known_ == nullptr || type_.kind() != Type::Kind::kObject) {
    std::map<std::string, Value> entries = Entries();  // REQUIRES broken
    entries[name] = std::move(v);
    return Object(std::move(entries));
  }
  if (known_.use_count() != 1) known_ = std::make_shared<Known>(*known_);
  // Unshared, and made non-const by make_shared<Known> (here or in Object).
  auto& entries = const_cast<Known&>(*known_).entries;
  auto it = entries.find(name);
  // The object's type is its attributes' types: unchanged when the new
  // value has the type of the one it replaces.
  const bool same_type = it != entries.end() && it->second.type() == v.type();
  if (it != entries.end()) {
    it->second = std::move(v);
  } else {
    entries.emplace(name, std::move(v));
  }
  if (!same_type) return Object(std::move(entries));
  refinements_.reset();  // as Object() makes it
  return std::move(*this);
}

size_t Value::Length() const {
  if (!known_) return 0;
  switch (type_.kind()) {
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kTuple:
      return known_->elements.size();
    case Type::Kind::kMap:
    case Type::Kind::kObject:
      return known_->entries.size();
    default:
      return 0;
  }
}

namespace {

bool Equal(const Value& a, const Value& b, bool ignore_refinements) {
  if (a.type() != b.type()) return false;
  if (a.IsNull() != b.IsNull() || a.IsUnknown() != b.IsUnknown()) return false;
  if (a.IsNull()) return true;
  if (a.IsUnknown()) {
    return ignore_refinements || a.refinements() == b.refinements();
  }
  switch (a.type().kind()) {
    case Type::Kind::kString:
      return a.AsString() == b.AsString();
    case Type::Kind::kNumber:
      return a.AsNumber() == b.AsNumber();
    case Type::Kind::kBool:
      return a.AsBool() == b.AsBool();
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kTuple: {
      const auto& ae = a.Elements();
      const auto& be = b.Elements();
      if (ae.size() != be.size()) return false;
      for (size_t i = 0; i < ae.size(); ++i) {
        if (!Equal(ae[i], be[i], ignore_refinements)) return false;
      }
      return true;
    }
    case Type::Kind::kMap:
    case Type::Kind::kObject: {
      const auto& ae = a.Entries();
      const auto& be = b.Entries();
      if (ae.size() != be.size()) return false;
      for (auto ai = ae.begin(), bi = be.begin(); ai != ae.end(); ++ai, ++bi) {
        if (ai->first != bi->first) return false;
        if (!Equal(ai->second, bi->second, ignore_refinements)) return false;
      }
      return true;
    }
    case Type::Kind::kDynamic:
      return true;
  }
  return true;
}

void AppendRefinements(const Refinements& r, std::string* out) {
  if (r.not_null) out->append(*r.not_null ? ", not null" : ", maybe null");
  if (r.string_prefix) {
    out->append(", prefix ");
    util::AppendJsonString(*r.string_prefix, out);
  }
  if (r.number_lower) {
    out->append(r.number_lower->second ? ", >= " : ", > ");
    out->append(r.number_lower->first.ToString());
  }
  if (r.number_upper) {
    out->append(r.number_upper->second ? ", <= " : ", < ");
    out->append(r.number_upper->first.ToString());
  }
  if (r.length_lower) {
    out->append(", length >= ");
    out->append(std::to_string(*r.length_lower));
  }
  if (r.length_upper) {
    out->append(", length <= ");
    out->append(std::to_string(*r.length_upper));
  }
}

void AppendDebug(const Value& v, std::string* out) {
  if (v.IsNull()) {
    out->append("null");
    return;
  }
  if (v.IsUnknown()) {
    out->append("(unknown");
    AppendRefinements(v.refinements(), out);
    out->push_back(')');
    return;
  }
  switch (v.type().kind()) {
    case Type::Kind::kString:
      util::AppendJsonString(v.AsString(), out);
      return;
    case Type::Kind::kNumber:
      out->append(v.AsNumber().ToString());
      return;
    case Type::Kind::kBool:
      out->append(v.AsBool() ? "true" : "false");
      return;
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kTuple: {
      bool set = v.type().kind() == Type::Kind::kSet;
      out->append(set ? "toset([" : "[");
      bool first = true;
      for (const Value& e : v.Elements()) {
        if (!first) out->append(", ");
        first = false;
        AppendDebug(e, out);
      }
      out->append(set ? "])" : "]");
      return;
    }
    case Type::Kind::kMap:
    case Type::Kind::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [name, e] : v.Entries()) {
        if (!first) out->append(", ");
        first = false;
        util::AppendJsonString(name, out);
        out->append(" = ");
        AppendDebug(e, out);
      }
      out->push_back('}');
      return;
    }
    case Type::Kind::kDynamic:
      out->append("null");
      return;
  }
}

}  // namespace

bool Value::operator==(const Value& other) const {
  return Equal(*this, other, /*ignore_refinements=*/false);
}

bool Value::EqualIgnoringRefinements(const Value& other) const {
  return Equal(*this, other, /*ignore_refinements=*/true);
}

std::string Value::DebugString() const {
  std::string out;
  AppendDebug(*this, &out);
  return out;
}

}  // namespace cvm::values
