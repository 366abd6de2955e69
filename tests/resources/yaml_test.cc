// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/yaml.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/resources/settings.h"
#include "provider/resources/workspace_model.h"

namespace cvm::resources {
namespace {

using nlohmann::json;

// Converts a yaml-cpp document back to JSON, keeping the scalar types a YAML
// reader resolves: quoted scalars are strings; plain ones are booleans, null
// or numbers, and any other plain scalar is marked so it never equals the
// JSON string it came from (ToYaml quotes every string).
json FromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const YAML::Node& item : node) out.push_back(FromYaml(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        out[it->first.Scalar()] = FromYaml(it->second);
      }
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted
  if (s == "null" || s == "~") return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  int64_t i = 0;
  if (absl::SimpleAtoi(s, &i)) return i;
  double d = 0;
  if (absl::SimpleAtod(s, &d)) return d;
  return "<unquoted " + s + ">";
}

// Parses with yaml-cpp (which throws) and converts; nullopt on a parse
// error, which is reported.
std::optional<json> ParseYaml(const std::string& text) {
  try {
    return FromYaml(YAML::Load(text));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "yaml-cpp rejected the document: " << e.what() << "\n"
                  << text;
    return std::nullopt;
  }
}

// Whether yaml-cpp reads `key` as a plain (unquoted) scalar in `text`.
std::optional<bool> KeyIsPlain(const std::string& text) {
  try {
    YAML::Node doc = YAML::Load(text);
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      return it->first.Tag() == "?";
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  return std::nullopt;
}

TEST(ToYamlTest, NestedMapsAndListsInBlockStyle) {
  const json doc = json::parse(R"({
    "a": {"b": [1, "x", {"c": true, "d": null}, [2]], "e": {}, "f": []},
    "g": [[1, 2], [], {}],
    "h": {"i": {"j": "k"}}
  })");
  EXPECT_EQ(ToYaml(doc),
            "a:\n"
            "  b:\n"
            "  - 1\n"
            "  - \"x\"\n"
            "  - c: true\n"
            "    d: null\n"
            "  -\n"
            "    - 2\n"
            "  e: {}\n"
            "  f: []\n"
            "g:\n"
            "-\n"
            "  - 1\n"
            "  - 2\n"
            "- []\n"
            "- {}\n"
            "h:\n"
            "  i:\n"
            "    j: \"k\"\n");
  EXPECT_EQ(ParseYaml(ToYaml(doc)), doc);
}

TEST(ToYamlTest, ListItemsThatAreMapsWithNestedValues) {
  const json doc = json::parse(R"({"items": [
    {"name": "a", "env": [{"name": "X", "value": "1"}], "meta": {"k": "v"}},
    {"list": [1, 2], "z": 0}
  ]})");
  EXPECT_EQ(ToYaml(doc),
            "items:\n"
            "- env:\n"
            "  - name: \"X\"\n"
            "    value: \"1\"\n"
            "  meta:\n"
            "    k: \"v\"\n"
            "  name: \"a\"\n"
            "- list:\n"
            "  - 1\n"
            "  - 2\n"
            "  z: 0\n");
  EXPECT_EQ(ParseYaml(ToYaml(doc)), doc);
}

TEST(ToYamlTest, EmptyCollections) {
  struct Case {
    std::string name;
    json value;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"top-level object", json::object(), "{}\n"},
      {"top-level array", json::array(), "[]\n"},
      {"values",
       {{"a", json::object()}, {"b", json::array()}},
       "a: {}\nb: []\n"},
      {"items", json::array({json::object(), json::array()}), "- {}\n- []\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ToYaml(c.value), c.want);
    EXPECT_EQ(ParseYaml(ToYaml(c.value)), c.value);
  }
}

TEST(ToYamlTest, ScalarsKeepTheirTypes) {
  struct Case {
    json value;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"true", "\"true\"\n"}, {"false", "\"false\"\n"},
      {"yes", "\"yes\"\n"},   {"no", "\"no\"\n"},
      {"on", "\"on\"\n"},     {"null", "\"null\"\n"},
      {"~", "\"~\"\n"},       {"", "\"\"\n"},
      {"1", "\"1\"\n"},       {"0755", "\"0755\"\n"},
      {"1e3", "\"1e3\"\n"},   {"0x1F", "\"0x1F\"\n"},
      {"1.5", "\"1.5\"\n"},   {".inf", "\".inf\"\n"},
      {"1:20", "\"1:20\"\n"}, {"- a", "\"- a\"\n"},
      {"a: b", "\"a: b\"\n"}, {"#c", "\"#c\"\n"},
      {" x ", "\" x \"\n"},   {"&a", "\"&a\"\n"},
      {"*a", "\"*a\"\n"},     {"!t", "\"!t\"\n"},
      {"@x", "\"@x\"\n"},     {"{}", "\"{}\"\n"},
      {true, "true\n"},       {false, "false\n"},
      {nullptr, "null\n"},    {0, "0\n"},
      {42, "42\n"},           {-3, "-3\n"},
      {1.5, "1.5\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value.dump());
    EXPECT_EQ(ToYaml(c.value), c.want);
    const json wrapped = {{"v", c.value}};
    EXPECT_EQ(ParseYaml(ToYaml(wrapped)), wrapped);
  }
}

TEST(ToYamlTest, StringsAreEscaped) {
  struct Case {
    std::string name;
    std::string value;
    std::string want;  // the scalar as written
  };
  const std::vector<Case> cases = {
      {"quotes and backslash", "say \"hi\" \\o/", R"("say \"hi\" \\o/")"},
      {"script", "#!/bin/sh\nset -e\n\techo $HOME\r\n",
       R"("#!/bin/sh\nset -e\n\techo $HOME\r\n")"},
      {"control", std::string("a\x01z\x1f", 4), R"("a\u0001z\u001f")"},
      {"nul", std::string("a\0b", 3), R"("a\u0000b")"},
      {"utf-8 stays raw", "Grüße, 世界 🚀", "\"Grüße, 世界 🚀\""},
      // Not allowed raw in YAML, or read as line breaks by YAML 1.1.
      {"del",
       "a\x7f"
       "b",
       R"("a\u007fb")"},
      {"c1 control", "a\xc2\x80z\xc2\x9f", R"("a\u0080z\u009f")"},
      {"nel",
       "a\xc2\x85"
       "b",
       R"("a\u0085b")"},
      {"line separator",
       "a\xe2\x80\xa8"
       "b\xe2\x80\xa9",
       R"("a\u2028b\u2029")"},
      {"bom",
       "\xef\xbb\xbf"
       "x",
       R"("\ufeffx")"},
      {"non-characters", "\xef\xbf\xbe\xef\xbf\xbf", R"("\ufffe\uffff")"},
      // Latin-1 supplement after the C1 block stays raw.
      {"nbsp",
       "a\xc2\xa0"
       "b",
       "\"a\xc2\xa0"
       "b\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ToYaml(json(c.value)), c.want + "\n");
    const json wrapped = {{"v", c.value}};
    EXPECT_EQ(ParseYaml(ToYaml(wrapped)), wrapped);
  }
}

TEST(ToYamlTest, InvalidUtf8IsReplacedNotThrown) {
  std::string text;
  EXPECT_NO_THROW(text = ToYaml(json(std::string("a\xff"
                                                 "b"))));
  EXPECT_EQ(text,
            "\"a\xef\xbf\xbd"
            "b\"\n");
}

TEST(ToYamlTest, KeysAreQuotedWhenAReaderCouldMisreadThem) {
  struct Case {
    std::string key;
    std::string want;  // the key as written
  };
  const std::vector<Case> cases = {
      // Plain.
      {"name", "name"},
      {"app.kubernetes.io/name", "app.kubernetes.io/name"},
      {"cvm.coder.com/pod-spec-hash", "cvm.coder.com/pod-spec-hash"},
      {"_x", "_x"},
      {"nvidia.com/gpu", "nvidia.com/gpu"},
      {"CODER_AGENT_URL", "CODER_AGENT_URL"},
      {"yesterday", "yesterday"},
      {"nope", "nope"},
      // YAML 1.1 booleans and null, in every case.
      {"true", R"("true")"},
      {"True", R"("True")"},
      {"FALSE", R"("FALSE")"},
      {"yes", R"("yes")"},
      {"Yes", R"("Yes")"},
      {"NO", R"("NO")"},
      {"y", R"("y")"},
      {"Y", R"("Y")"},
      {"n", R"("n")"},
      {"N", R"("N")"},
      {"on", R"("on")"},
      {"Off", R"("Off")"},
      {"null", R"("null")"},
      {"Null", R"("Null")"},
      // Numbers and YAML syntax.
      {"1", R"("1")"},
      {"1.5", R"("1.5")"},
      {"", R"("")"},
      {"~", R"("~")"},
      {"a b", R"("a b")"},
      {"a: b", R"("a: b")"},
      {"x:y", R"("x:y")"},
      {"#c", R"("#c")"},
      {"-a", R"("-a")"},
      {"?a", R"("?a")"},
      {"a\"b", R"("a\"b")"},
      {"ü", "\"ü\""},
      {"a\nb", R"("a\nb")"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("key \"" + c.key + "\"");
    const json doc = {{c.key, "v"}};
    const std::string text = ToYaml(doc);
    EXPECT_EQ(text, c.want + ": \"v\"\n");
    EXPECT_EQ(ParseYaml(text), doc);
    EXPECT_EQ(KeyIsPlain(text), c.want == c.key);
  }
}

WorkspaceSpec FullSpec(const std::string& mode) {
  WorkspaceSpec s;
  s.name = "dev-1";
  s.namespace_name = "coder";
  s.mode = mode;
  s.image = kDefaultEnvboxImage;
  s.inner_image = "docker.io/codercom/enterprise-base:ubuntu";
  s.has_agent_token = true;
  s.agent_url = "https://coder.example.com";
  s.bootstrap_script = "#!/bin/sh\necho \"start: yes\"\nexit 0\n";
  s.env = {{"TRUE_FLAG", "true"},
           {"PORT", "8080"},
           {"EMPTY", ""},
           {"NUL", "null"},
           {"LIST", "- a"}};
  s.env_passthrough = {"KUBERNETES_*"};
  s.mounts = {{"projects", "/opt/projects", false}, {"ro", "/opt/ro", true}};
  s.cpu_request = "500m";
  s.cpu_limit = "2";
  s.memory_request = "2Gi";
  s.memory_limit = "4Gi";
  s.home_size = "50Gi";
  s.home_storage_class = "fast";
  s.gpu_count = mode == "envbox" ? 1 : 0;
  s.image_pull_secret = "regcred";
  s.node_selector = {{"kubernetes.io/os", "linux"}, {"on", "yes"}};
  s.tolerations = {{"gpu", "Exists", "", "NoSchedule", std::nullopt},
                   {"dedicated", "Equal", "cvm", "NoExecute", 300}};
  s.labels = {{"team", "a"}, {"y", "n"}};
  s.annotations = {{"note", "1.0"}, {"example.com/flag", "off"}};
  s.user_namespace = "host_users";
  return s;
}

TEST(ToYamlTest, RenderedPodsRoundTripThroughYamlCpp) {
  ClusterSettings settings;
  settings.namespace_name = "coder";
  settings.caching = true;
  for (const std::string mode : {"envbox", "sysbox"}) {
    SCOPED_TRACE(mode);
    const RenderedWorkspace r =
        Render(FullSpec(mode), settings, "token-text", "{\"name\":\"dev-1\"}");
    ASSERT_TRUE(r.pod.is_object());
    for (const json* object : {&r.pod, &r.claim, &r.secret}) {
      SCOPED_TRACE((*object)["kind"].get<std::string>());
      EXPECT_EQ(ParseYaml(ToYaml(*object)), *object);
    }
  }
}

}  // namespace
}  // namespace cvm::resources
