// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/protocol/convert.h"

#include <string>
#include <variant>

#include "provider/values/json.h"
#include "provider/values/msgpack.h"

namespace cvm::protocol {
namespace {

// `text` with every byte that is not part of a valid UTF-8 sequence (as Go's
// utf8.ValidString defines it: no overlong forms, surrogates or code points
// above U+10FFFF) replaced by U+FFFD. Protobuf string fields must be UTF-8:
// Terraform refuses a whole response otherwise ("string field contains
// invalid UTF-8"), and diagnostics quote configuration values, which can
// carry raw bytes (a TF_VAR_ environment variable, for one).
std::string ValidUtf8(const std::string& text) {
  std::string out;
  size_t i = 0;
  const size_t n = text.size();
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  auto cont = [&](size_t k) { return k < n && (byte(k) & 0xC0) == 0x80; };
  bool clean = true;
  while (i < n) {
    const unsigned char c = byte(i);
    size_t len = 0;
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = cont(i + 1) ? 2 : 0;
    } else if (c >= 0xE0 && c <= 0xEF) {
      const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
      const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
      len = i + 1 < n && byte(i + 1) >= lo && byte(i + 1) <= hi && cont(i + 2)
                ? 3
                : 0;
    } else if (c >= 0xF0 && c <= 0xF4) {
      const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
      const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
      len = i + 1 < n && byte(i + 1) >= lo && byte(i + 1) <= hi &&
                    cont(i + 2) && cont(i + 3)
                ? 4
                : 0;
    }
    if (len == 0) {
      if (clean) {
        out.assign(text, 0, i);
        clean = false;
      }
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (!clean) out.append(text, i, len);
    i += len;
  }
  return clean ? text : out;
}

tfplugin6::StringKind DescriptionKind(const std::string& markdown) {
  return markdown.empty() ? tfplugin6::PLAIN : tfplugin6::MARKDOWN;
}

void ToAttribute(const schema::Attribute& a,
                 tfplugin6::Schema::Attribute* out) {
  out->set_name(a.name);
  if (a.nested) {
    tfplugin6::Schema::Object* obj = out->mutable_nested_type();
    switch (a.nested->nesting) {
      case schema::NestedObject::Nesting::kSingle:
        obj->set_nesting(tfplugin6::Schema::Object::SINGLE);
        break;
      case schema::NestedObject::Nesting::kList:
        obj->set_nesting(tfplugin6::Schema::Object::LIST);
        break;
      case schema::NestedObject::Nesting::kSet:
        obj->set_nesting(tfplugin6::Schema::Object::SET);
        break;
      case schema::NestedObject::Nesting::kMap:
        obj->set_nesting(tfplugin6::Schema::Object::MAP);
        break;
    }
    for (const schema::Attribute& na : a.nested->attributes) {
      ToAttribute(na, obj->add_attributes());
    }
  } else {
    out->set_type(a.type.ToJson());
  }
  const bool markdown = !a.markdown_description.empty();
  out->set_description(markdown ? a.markdown_description : a.description);
  out->set_description_kind(DescriptionKind(a.markdown_description));
  out->set_required(a.required);
  out->set_optional(a.optional);
  out->set_computed(a.computed);
  out->set_sensitive(a.sensitive);
  out->set_write_only(a.write_only);
  out->set_deprecated(!a.deprecation_message.empty());
}

void ToBlock(const schema::Block& block, tfplugin6::Schema::Block* out) {
  for (const schema::Attribute& a : block.attributes) {
    ToAttribute(a, out->add_attributes());
  }
  for (const schema::NestedBlock& nb : block.block_types) {
    tfplugin6::Schema::NestedBlock* b = out->add_block_types();
    b->set_type_name(nb.type_name);
    switch (nb.nesting) {
      case schema::NestedBlock::Nesting::kSingle:
        b->set_nesting(tfplugin6::Schema::NestedBlock::SINGLE);
        break;
      case schema::NestedBlock::Nesting::kList:
        b->set_nesting(tfplugin6::Schema::NestedBlock::LIST);
        break;
      case schema::NestedBlock::Nesting::kSet:
        b->set_nesting(tfplugin6::Schema::NestedBlock::SET);
        break;
      case schema::NestedBlock::Nesting::kMap:
        b->set_nesting(tfplugin6::Schema::NestedBlock::MAP);
        break;
      case schema::NestedBlock::Nesting::kGroup:
        b->set_nesting(tfplugin6::Schema::NestedBlock::GROUP);
        break;
    }
    b->set_min_items(nb.min_items);
    b->set_max_items(nb.max_items);
    ToBlock(nb.block, b->mutable_block());
  }
  const bool markdown = !block.markdown_description.empty();
  out->set_description(markdown ? block.markdown_description
                                : block.description);
  out->set_description_kind(DescriptionKind(block.markdown_description));
  out->set_deprecated(!block.deprecation_message.empty());
}

}  // namespace

absl::StatusOr<values::Value> FromDynamicValue(
    const tfplugin6::DynamicValue& dv, const values::Type& type) {
  if (!dv.msgpack().empty()) return values::DecodeMsgpack(dv.msgpack(), type);
  if (!dv.json().empty()) return values::DecodeJson(dv.json(), type);
  return values::Value::Null(type);
}

absl::Status ToDynamicValue(const values::Value& value,
                            const values::Type& type,
                            tfplugin6::DynamicValue* out) {
  absl::StatusOr<std::string> bytes = values::EncodeMsgpack(value, type);
  if (!bytes.ok()) return bytes.status();
  out->set_msgpack(*std::move(bytes));
  return absl::OkStatus();
}

values::Path FromAttributePath(const tfplugin6::AttributePath& path) {
  values::Path out;
  for (const auto& step : path.steps()) {
    switch (step.selector_case()) {
      case tfplugin6::AttributePath::Step::kAttributeName:
        out = out.Attr(step.attribute_name());
        break;
      case tfplugin6::AttributePath::Step::kElementKeyString:
        out = out.Key(step.element_key_string());
        break;
      case tfplugin6::AttributePath::Step::kElementKeyInt:
        out = out.Index(step.element_key_int());
        break;
      default:
        break;
    }
  }
  return out;
}

void ToAttributePath(const values::Path& path, tfplugin6::AttributePath* out) {
  for (const values::PathStep& step : path.steps()) {
    auto* s = out->add_steps();
    if (const auto* a = std::get_if<values::AttributeStep>(&step)) {
      s->set_attribute_name(ValidUtf8(a->name));
    } else if (const auto* k = std::get_if<values::KeyStep>(&step)) {
      s->set_element_key_string(ValidUtf8(k->key));
    } else if (const auto* i = std::get_if<values::IndexStep>(&step)) {
      s->set_element_key_int(i->index);
    }
  }
}

void ToDiagnostics(
    const framework::Diagnostics& diags,
    google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic>* out) {
  for (const framework::Diagnostic& d : diags.items()) {
    tfplugin6::Diagnostic* pd = out->Add();
    pd->set_severity(d.severity == framework::Diagnostic::Severity::kError
                         ? tfplugin6::Diagnostic::ERROR
                         : tfplugin6::Diagnostic::WARNING);
    pd->set_summary(ValidUtf8(d.summary));
    pd->set_detail(ValidUtf8(d.detail));
    if (d.path && !d.path->empty())
      ToAttributePath(*d.path, pd->mutable_attribute());
  }
}

void ToSchema(const schema::Schema& schema, tfplugin6::Schema* out) {
  out->set_version(schema.version);
  ToBlock(schema.block, out->mutable_block());
  out->mutable_block()->set_version(schema.version);
}

}  // namespace cvm::protocol
