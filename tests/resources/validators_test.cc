// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/validators.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/values/number.h"
#include "provider/values/type.h"
#include "provider/values/value.h"
#include "tests/testing/status_matchers.h"

namespace cvm::resources {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using values::Number;
using values::Type;
using values::Value;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

Value Str(const std::string& s) { return Value::String(s); }

Value Num(const std::string& text) {
  absl::StatusOr<Number> n = Number::Parse(text);
  EXPECT_TRUE(n.ok()) << text;
  return Value::Number(n.ok() ? *n : Number());
}

Value StringMap(std::vector<std::pair<std::string, std::string>> entries) {
  std::map<std::string, Value> m;
  for (auto& [k, v] : entries) m.emplace(k, Value::String(v));
  return Value::Map(Type::String(), std::move(m));
}

// A message that says what is wrong about `text` and shows what to write.
struct Rejection {
  std::string text;
  std::string why;  // a substring of the message
};

void ExpectAccepts(const schema::Validator& v,
                   const std::vector<std::string>& texts) {
  for (const std::string& t : texts) {
    SCOPED_TRACE("accepts \"" + t + "\"");
    EXPECT_THAT(v(Str(t)), IsOk());
  }
}

void ExpectRejects(const schema::Validator& v,
                   const std::vector<Rejection>& cases,
                   const std::string& advice) {
  for (const Rejection& c : cases) {
    SCOPED_TRACE("rejects \"" + c.text + "\"");
    EXPECT_THAT(v(Str(c.text)),
                StatusIs(kInvalid, AllOf(HasSubstr("\"" + c.text + "\""),
                                         HasSubstr(c.why), HasSubstr(advice))));
  }
}

// ---------------------------------------------------------------- OneOf

TEST(OneOfTest, AcceptsAllowedAndExplainsRejectedValues) {
  const schema::Validator v = OneOf(
      {"none", "nvidia"},
      {{"amd", "CVMs support NVIDIA GPUs only. Use \"nvidia\" or \"none\"."}});
  ExpectAccepts(v, {"none", "nvidia"});
  EXPECT_THAT(v(Str("amd")),
              StatusIs(kInvalid,
                       "\"amd\" is not supported: CVMs support NVIDIA "
                       "GPUs only. Use \"nvidia\" or \"none\"."));
  EXPECT_THAT(
      v(Str("intel")),
      StatusIs(kInvalid, "\"intel\" is not one of: \"none\", \"nvidia\""));
  // Case matters: Terraform values are exact.
  EXPECT_THAT(
      v(Str("NVIDIA")),
      StatusIs(kInvalid, HasSubstr("is not one of: \"none\", \"nvidia\"")));
  EXPECT_THAT(v(Str("")), StatusIs(kInvalid, HasSubstr("is not one of")));
  EXPECT_THAT(v(Value::Bool(true)), StatusIs(kInvalid, "expected a string"));
}

// ---------------------------------------------------------------- IsQuantity

TEST(IsQuantityTest, AcceptsQuantitiesAndShowsSpellings) {
  const schema::Validator v = IsQuantity();
  ExpectAccepts(v, {"500m", "2", "4Gi", "4G", "1e3", "0.5"});
  ExpectRejects(v,
                {{"4GB", "is not a Kubernetes quantity"},
                 {"-1", "non-negative"},
                 {"four", "is not a Kubernetes quantity"}},
                "such as 500m, 2, 4Gi or 4G");
  EXPECT_THAT(v(Num("2")), StatusIs(kInvalid, "expected a string"));
}

TEST(IsQuantityTest, RejectsAmountsBeyondSixtyFourBits) {
  const schema::Validator v = IsQuantity();
  ExpectAccepts(v, {"9000000000000", "8Pi", "9e15"});
  ExpectRejects(v,
                {{"1e999", "is too large"}, {"10Ei", "is too large"}},
                "at most 2^63-1 milli-units");
  // A huge value is not echoed whole.
  EXPECT_THAT(v(Str(std::string(5000, '9'))),
              StatusIs(kInvalid, "\"" + std::string(300, '9') +
                                     "...\" (5000 bytes) is too large for a "
                                     "resource amount (at most 2^63-1 "
                                     "milli-units; use e.g. 64 for CPU or "
                                     "256Gi for memory)"));
}

TEST(QuoteValueTest, ShortValuesWholeLongValuesCutAtUtf8Boundaries) {
  EXPECT_EQ(QuoteValue("dev-1"), "\"dev-1\"");
  EXPECT_EQ(QuoteValue(std::string(300, 'a')),
            "\"" + std::string(300, 'a') + "\"");
  EXPECT_EQ(QuoteValue(std::string(1 << 20, 'a')),
            "\"" + std::string(300, 'a') + "...\" (1048576 bytes)");
  // "é" is two bytes; a cut at byte 300 would split the one at 299..300.
  const std::string accents = std::string(299, 'a') + "\xC3\xA9" + "bbb";
  EXPECT_EQ(QuoteValue(accents),
            "\"" + std::string(299, 'a') + "...\" (304 bytes)");
}

// ---------------------------------------------------------------- DNS names

TEST(IsDnsLabelTest, Rfc1123Labels) {
  const schema::Validator v = IsDnsLabel();
  ExpectAccepts(
      v, {"a", "dev", "dev-1", "1", "0dev", "a--b", std::string(63, 'a')});
  const std::string advice =
      "use at most 63 lowercase letters, digits and '-', starting and ending "
      "with a letter or digit (RFC 1123 label), e.g. \"dev-1\"";
  ExpectRejects(v,
                {{"", "is not a valid name"},
                 {"Dev", "is not a valid name"},
                 {"-dev", "is not a valid name"},
                 {"dev-", "is not a valid name"},
                 {"dev_1", "is not a valid name"},
                 {"dev.1", "is not a valid name"},
                 {"dev 1", "is not a valid name"},
                 {std::string(64, 'a'), "is not a valid name"}},
                advice);
}

TEST(IsDnsLabelTest, ShorterMaximumIsInTheMessage) {
  const schema::Validator v = IsDnsLabel(57);
  EXPECT_THAT(v(Str(std::string(57, 'a'))), IsOk());
  EXPECT_THAT(
      v(Str(std::string(58, 'a'))),
      StatusIs(kInvalid, HasSubstr("use at most 57 lowercase letters")));
}

TEST(IsDnsSubdomainTest, Rfc1123Subdomains) {
  const schema::Validator v = IsDnsSubdomain();
  // 4 labels of 63 plus 3 dots: 255 > 253; 3 x 63 + 61 + 3 dots = 253.
  const std::string l63(63, 'a');
  const std::string longest =
      l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  ASSERT_EQ(longest.size(), 253u);
  ExpectAccepts(v, {"regcred", "my.secret-1", "a.b.c", "1-2.3", longest});
  ExpectRejects(
      v,
      {{"", "is not a valid Kubernetes name"},
       {"RegCred", "is not a valid Kubernetes name"},
       {"a..b", "is not a valid Kubernetes name"},
       {".a", "is not a valid Kubernetes name"},
       {"a.", "is not a valid Kubernetes name"},
       {"a_b", "is not a valid Kubernetes name"},
       {"a.-b", "is not a valid Kubernetes name"},
       {longest + "c", "is not a valid Kubernetes name"},
       {std::string(64, 'a') + ".b", "is not a valid Kubernetes name"}},
      "use lowercase letters, digits, '-' and '.', at most 253 "
      "characters (RFC 1123 subdomain)");
}

TEST(IsLabelMapTest, QualifiedNameKeys) {
  const schema::Validator v = IsLabelMap();
  EXPECT_THAT(v(StringMap({{"app", "x"},
                           {"app.kubernetes.io/name", "dev"},
                           {"example.com/a_b.c", ""},
                           {"Team", "A"},
                           {"a", "b"},
                           {"sysbox-runtime", "running"},
                           {std::string(63, 'k'), "v"}})),
              IsOk());
  EXPECT_THAT(v(StringMap({})), IsOk());
  const std::vector<std::string> bad_keys = {
      "",
      "/name",                       // empty prefix
      "example.com/",                // empty name
      "-app",                        // starts with '-'
      "app-",                        // ends with '-'
      "_app",                        // starts with '_'
      "a b",                         // space
      "a/b/c",                       // two slashes
      "Example.com/name",            // prefix must be lowercase
      "ex_ample.com/name",           // '_' in the prefix
      std::string(64, 'k'),          // name too long
      std::string(254, 'p') + "/n",  // prefix too long
  };
  for (const std::string& key : bad_keys) {
    SCOPED_TRACE("key \"" + key + "\"");
    EXPECT_THAT(
        v(StringMap({{"ok", "1"}, {key, "v"}})),
        StatusIs(
            kInvalid,
            AllOf(HasSubstr("key \"" + key +
                            "\" is not a valid Kubernetes label"),
                  HasSubstr("use [prefix/]name with a DNS-subdomain prefix and "
                            "a name of at most 63 letters, digits, '-', '_' or "
                            "'.'"))));
  }
}

TEST(IsEnvMapTest, KubernetesVariableNames) {
  const schema::Validator v = IsEnvMap();
  EXPECT_THAT(v(StringMap({{"MY_VAR", "1"},
                           {"_x", ""},
                           {"a.b-c", "2"},
                           {"Path2", "3"}})),
              IsOk());
  // A comma or a space would split CODER_INNER_ENVS and the sysbox hook's
  // list of kept names; the API server rejects the rest at apply.
  for (const std::string key : {"", "1ABC", "A,B", "A B", "A=B", "$X"}) {
    SCOPED_TRACE("key \"" + key + "\"");
    EXPECT_THAT(v(StringMap({{"OK", "1"}, {key, "v"}})),
                StatusIs(kInvalid, HasSubstr("key \"" + key +
                                             "\" is not a valid environment "
                                             "variable name")));
  }
}

TEST(IsLabelMapTest, LabelValues) {
  const schema::Validator v = IsLabelMap();
  for (const std::string& value :
       {std::string(), std::string("a"), std::string("A"), std::string("0"),
        std::string("v1.2-beta"), std::string("a_b"), std::string("My.App-1"),
        std::string(63, 'v')}) {
    SCOPED_TRACE("value \"" + value + "\"");
    EXPECT_TRUE(IsLabelValue(value));
    EXPECT_THAT(v(StringMap({{"app", value}})), IsOk());
  }
  const std::string advice =
      "is not a valid Kubernetes label value: use at most 63 letters, digits, "
      "'-', '_' or '.', starting and ending with a letter or digit (e.g. "
      "\"v1.2-beta\"), or an empty string";
  for (const std::string& value :
       {std::string("-a"), std::string("a-"), std::string("_a"),
        std::string("a."), std::string("bad value!"), std::string("a/b"),
        std::string("a:b"), std::string("caf\xc3\xa9"), std::string(" "),
        std::string("a\nb")}) {
    SCOPED_TRACE("value \"" + value + "\"");
    EXPECT_FALSE(IsLabelValue(value));
    EXPECT_THAT(
        v(StringMap({{"ok", "1"}, {"app", value}})),
        StatusIs(kInvalid, AllOf(HasSubstr("the value of key \"app\", \"" +
                                           value + "\", " + advice),
                                 Not(HasSubstr("characters, over")))));
  }
  // Too long: the length is given, and a huge value is cut.
  const std::string long_value(64, 'v');
  EXPECT_FALSE(IsLabelValue(long_value));
  EXPECT_THAT(
      v(StringMap({{"example.com/team", long_value}})),
      StatusIs(kInvalid, HasSubstr("the value of key \"example.com/team\", \"" +
                                   long_value +
                                   "\" (64 characters, over 63), " + advice)));
  const absl::Status huge = v(StringMap({{"app", std::string(1 << 20, 'v')}}));
  EXPECT_THAT(huge, StatusIs(kInvalid, AllOf(HasSubstr("...\" (1048576 bytes), "
                                                       "is not a valid"),
                                             Not(HasSubstr("characters")))));
  EXPECT_LT(huge.message().size(), 1000u);
  // An invalid key is reported before its value.
  EXPECT_THAT(v(StringMap({{"bad key", "bad value!"}})),
              StatusIs(kInvalid, HasSubstr("key \"bad key\" is not a valid")));
}

TEST(IsLabelMapTest, UnknownValuesAreSkipped) {
  const schema::Validator v = IsLabelMap();
  EXPECT_THAT(
      v(Value::Map(Type::String(), {{"app", Value::Unknown(Type::String())},
                                    {"team", Value::Null(Type::String())}})),
      IsOk());
  EXPECT_THAT(v(Value::Unknown(Type::Map(Type::String()))), IsOk());
}

TEST(IsAnnotationMapTest, KeysAreQualifiedNamesValuesAreFree) {
  const schema::Validator v = IsAnnotationMap();
  EXPECT_THAT(
      v(StringMap({{"example.com/note", "any text: spaces, \"quotes\"\n"},
                   {"b", std::string(10000, '-')},
                   {"c", ""}})),
      IsOk());
  EXPECT_THAT(
      v(StringMap({{"a/b/c", "x"}})),
      StatusIs(kInvalid, HasSubstr("key \"a/b/c\" is not a valid "
                                   "Kubernetes label or annotation key")));
}

TEST(IsAnnotationMapTest, TotalSizeOfKeysAndValuesIsLimited) {
  EXPECT_EQ(kTotalAnnotationSizeLimit, 262144u);
  const schema::Validator v = IsAnnotationMap();
  // Two keys of 1 byte: exactly at the limit, then one byte over.
  const size_t half = kTotalAnnotationSizeLimit / 2;
  EXPECT_THAT(v(StringMap({{"a", std::string(half - 1, 'x')},
                           {"b", std::string(half - 1, 'y')}})),
              IsOk());
  const absl::Status over = v(StringMap(
      {{"a", std::string(half - 1, 'x')}, {"b", std::string(half, 'y')}}));
  EXPECT_THAT(
      over,
      StatusIs(kInvalid,
               AllOf(HasSubstr("the annotations take 262145 bytes (all keys "
                               "plus all values), over the limit of 262144 "
                               "bytes: Kubernetes allows 262144 bytes (256 "
                               "KiB) per object. Remove annotations or "
                               "shorten their values"),
                     HasSubstr("the largest annotation, 131073 bytes, is key "
                               "\"b\" with value \"yyy"),
                     HasSubstr("...\" (131072 bytes)"))));
  EXPECT_LT(over.message().size(), 1000u);
  // Keys count too.
  EXPECT_THAT(
      v(StringMap({{"example.com/k",
                    std::string(kTotalAnnotationSizeLimit - 12, 'x')}})),
      StatusIs(kInvalid, HasSubstr("take 262145 bytes")));
}

TEST(IsAnnotationMapTest, ReservedBytesLowerTheLimit) {
  const schema::Validator v = IsAnnotationMap(100);
  EXPECT_THAT(
      v(StringMap({{"a", std::string(kTotalAnnotationSizeLimit - 101, 'x')}})),
      IsOk());
  EXPECT_THAT(
      v(StringMap({{"a", std::string(kTotalAnnotationSizeLimit - 100, 'x')}})),
      StatusIs(kInvalid,
               HasSubstr("the annotations take 262045 bytes (all keys plus all "
                         "values), over the limit of 262044 bytes: Kubernetes "
                         "allows 262144 bytes (256 KiB) per object and the "
                         "provider adds 100 bytes of its own. Remove")));
}

TEST(IsAnnotationMapTest, UnknownValuesCountTheirKeysOnly) {
  const schema::Validator v = IsAnnotationMap();
  EXPECT_THAT(
      v(Value::Map(Type::String(), {{"a", Value::Unknown(Type::String())},
                                    {"b", Value::String("x")}})),
      IsOk());
  EXPECT_THAT(
      v(Value::Map(
          Type::String(),
          {{"a", Value::Unknown(Type::String())},
           {"b", Value::String(std::string(kTotalAnnotationSizeLimit, 'x'))}})),
      StatusIs(kInvalid, HasSubstr("take 262146 bytes")));
}

// ---------------------------------------------------------------- CIDR

TEST(IsDockerBridgeCidrTest, AcceptsIpv4NetworksOfAtLeastTwoHosts) {
  ExpectAccepts(IsDockerBridgeCidr(30),
                {"172.19.0.0/30", "172.19.0.1/30",  // envbox's own default form
                 "10.200.0.0/24", "192.168.100.0/24", "172.18.0.0/16",
                 "172.16.0.0/16", "172.18.255.252/30", "100.64.0.0/10"});
}

TEST(IsDockerBridgeCidrTest, RejectsWithTheReasonAndAnExample) {
  const schema::Validator v = IsDockerBridgeCidr(30);
  struct Case {
    std::string text;
    std::vector<std::string> want;  // substrings of the message
  };
  const std::vector<Case> cases = {
      {"fd00::/64",
       {"is an IPv6 network", "IPv4 only", "envbox panic",
        "\"172.19.0.0/30\""}},
      {"::ffff:172.19.0.0/126", {"is an IPv6 network", "\"172.19.0.0/30\""}},
      {"172.19.0.0", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {"172.19.0/30", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {"172.19.0.0.0/30", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {"172.19.0.0/", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {"1.2.3.4444/30", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {" 172.19.0.0/30", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {"a.b.c.d/30", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {"", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {"256.1.1.0/30", {"octet 256 exceeds 255", "\"172.19.0.0/30\""}},
      {"172.19.0.999/30", {"octet 999 exceeds 255", "\"172.19.0.0/30\""}},
      // Go's net.ParseCIDR (which envbox uses) rejects leading zeros and
      // envbox then panics.
      {"172.019.0.0/30", {"leading zero", "\"172.19.0.0/30\""}},
      {"172.19.0.00/30", {"leading zero", "\"172.19.0.0/30\""}},
      {"172.19.0.0/030", {"is not an IPv4 CIDR such as \"172.19.0.0/30\""}},
      {"172.19.0.0/31",
       {"is too small", "at least 2 hosts", "use a /30 or larger network",
        "\"172.19.0.0/30\""}},
      {"172.19.0.0/32", {"is too small", "use a /30 or larger network"}},
      {"172.19.0.0/33",
       {"prefix longer than /32", "use a /30 or larger network"}},
      {"172.17.0.0/30",
       {"overlaps 172.17.0.0/16",
        "default bridge of the Docker daemon inside the "
        "workspace",
        "such as 172.19.0.0/30"}},
      {"172.17.255.252/30", {"overlaps 172.17.0.0/16"}},
      {"172.17.0.0/16", {"overlaps 172.17.0.0/16"}},
      {"172.16.0.0/15", {"overlaps 172.17.0.0/16"}},
      {"172.16.0.0/12", {"overlaps 172.17.0.0/16"}},
      {"172.0.0.0/8", {"overlaps 172.17.0.0/16"}},
      {"0.0.0.0/0", {"overlaps 172.17.0.0/16"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const absl::Status st = v(Str(c.text));
    EXPECT_THAT(st, StatusIs(kInvalid, HasSubstr("\"" + c.text + "\"")));
    for (const std::string& want : c.want) {
      EXPECT_THAT(std::string(st.message()), HasSubstr(want));
    }
  }
}

TEST(IsDockerBridgeCidrTest, MaxPrefixIsConfigurable) {
  const schema::Validator v = IsDockerBridgeCidr(24);
  EXPECT_THAT(v(Str("10.0.0.0/24")), IsOk());
  EXPECT_THAT(v(Str("10.0.0.0/25")),
              StatusIs(kInvalid, HasSubstr("use a /24 or larger network")));
}

// ---------------------------------------------------------------- images

TEST(ParseImageReferenceTest, SplitsRegistryRepositoryTagAndDigest) {
  const std::string hex(64, 'a');
  const std::string digest = "sha256:" + hex;
  struct Case {
    std::string text;
    ImageReference want;
  };
  const std::vector<Case> cases = {
      {"ubuntu", {"", "ubuntu", "", ""}},
      {"ubuntu:22.04", {"", "ubuntu", "22.04", ""}},
      {"docker.io/library/ubuntu:22.04",
       {"docker.io", "library/ubuntu", "22.04", ""}},
      {"codercom/enterprise-base:ubuntu",
       {"", "codercom/enterprise-base", "ubuntu", ""}},
      {"index.docker.io/codercom/enterprise-base:ubuntu-20240812",
       {"index.docker.io", "codercom/enterprise-base", "ubuntu-20240812", ""}},
      {"ghcr.io/coder/envbox:0.6.7", {"ghcr.io", "coder/envbox", "0.6.7", ""}},
      {"localhost:5000/x", {"localhost:5000", "x", "", ""}},
      {"localhost/x:dev", {"localhost", "x", "dev", ""}},
      {"localhost:5000/team/x:v1", {"localhost:5000", "team/x", "v1", ""}},
      {"registry.example.com:443/a/b/c:TAG_1.0-rc",
       {"registry.example.com:443", "a/b/c", "TAG_1.0-rc", ""}},
      {"ghcr.io/coder/envbox@" + digest,
       {"ghcr.io", "coder/envbox", "", digest}},
      {"ghcr.io/coder/envbox:0.6.7@" + digest,
       {"ghcr.io", "coder/envbox", "0.6.7", digest}},
      {"ubuntu@" + digest, {"", "ubuntu", "", digest}},
      {"a__b/c-d.e--f:x", {"", "a__b/c-d.e--f", "x", ""}},
      // Without a '.', ':' or "localhost" the first component is a path.
      {"myregistry/x", {"", "myregistry/x", "", ""}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<ImageReference> got = ParseImageReference(c.text);
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(got->registry, c.want.registry);
    EXPECT_EQ(got->repository, c.want.repository);
    EXPECT_EQ(got->tag, c.want.tag);
    EXPECT_EQ(got->digest, c.want.digest);
    EXPECT_THAT(IsImageReference()(Str(c.text)), IsOk());
  }
}

TEST(ParseImageReferenceTest, RejectsWithTheReasonAndAnExample) {
  const std::vector<Rejection> cases = {
      {"", "it is empty"},
      {"Ubuntu", "the repository must be lowercase"},
      {"docker.io/Library/ubuntu:22.04", "the repository must be lowercase"},
      {"ghcr.io/Coder/envbox", "the repository must be lowercase"},
      {"-ubuntu", "the repository must be lowercase"},
      {"ubuntu-", "the repository must be lowercase"},
      {"ubuntu//x", "the repository must be lowercase"},
      {"ubuntu 22.04", "the repository must be lowercase"},
      {"ghcr.io/", "the repository must be lowercase"},
      {"ubuntu:", "bad tag"},
      {"ubuntu:-rc", "bad tag"},
      {"ubuntu:a/b", "bad registry host"},
      {"ubuntu:" + std::string(129, 't'), "bad tag"},
      {"ubuntu@sha256:abc", "bad digest"},
      {"ubuntu@", "bad digest"},
      {"ubuntu@sha256:" + std::string(64, 'z'), "bad digest"},
      {"https://ghcr.io/x", "bad registry host"},
      {"my_registry.io/x", "bad registry host"},
      {std::string(1025, 'a'), "it is too long"},
  };
  for (const Rejection& c : cases) {
    SCOPED_TRACE(c.text.substr(0, 80));
    const auto want = StatusIs(
        kInvalid, AllOf(HasSubstr("is not a valid image reference (" + c.why),
                        HasSubstr("write registry/repository:tag or "
                                  "registry/repository@sha256:..., e.g. "
                                  "\"ghcr.io/coder/envbox:0.6.7\"")));
    EXPECT_THAT(ParseImageReference(c.text), want);
    EXPECT_THAT(IsImageReference()(Str(c.text)), want);
  }
}

// ---------------------------------------------------------------- paths

TEST(IsMountPathTest, AbsoluteCleanPathsWithoutSeparators) {
  const schema::Validator v = IsMountPath();
  ExpectAccepts(v, {"/home/coder/projects", "/opt", "/var/coder/usr/lib",
                    "/usr/lib/x86_64-linux-gnu", "/a b", "/data.d"});
  ExpectRejects(v,
                {{"", "must be an absolute path"},
                 {"home/coder", "must be an absolute path"},
                 {"./x", "must be an absolute path"},
                 {"~/x", "must be an absolute path"}},
                "such as \"/home/coder\"");
  ExpectRejects(
      v, {{"/a,b", "contains ',' or ':'"}, {"/a:b", "contains ',' or ':'"}},
      "CODER_MOUNTS; rename the path");
  // Non-canonical spellings would slip past the /tmp and private-path
  // checks ("/opt/../tmp/x" is /tmp/x).
  ExpectRejects(v,
                {{"/", "must name a directory below /"},
                 {"/opt/../tmp/x", "contains a '..' component"},
                 {"/..", "contains a '..' component"},
                 {"/opt/./x", "contains a '.' component"},
                 {"/.", "contains a '.' component"},
                 {"//var/lib/docker", "has an empty path component"},
                 {"/var/lib//docker", "has an empty path component"},
                 {"/opt/data/", "ends with '/'"}},
                "e.g. \"/home/coder/projects\"");
}

// ---------------------------------------------------------------- users

TEST(IsPosixUsernameTest, PosixNames) {
  const schema::Validator v = IsPosixUsername();
  ExpectAccepts(
      v, {"coder", "_svc", "a-b_c1", "machine$", "u", std::string(32, 'a')});
  ExpectRejects(
      v,
      {{"", "is not a POSIX user name"},
       {"Coder", "is not a POSIX user name"},
       {"1user", "is not a POSIX user name"},
       {"-user", "is not a POSIX user name"},
       {"us er", "is not a POSIX user name"},
       {"a$b", "is not a POSIX user name"},
       {"user.name", "is not a POSIX user name"},
       {std::string(33, 'a'), "is not a POSIX user name"}},
      "use at most 32 lowercase letters, digits, '_' or '-', starting "
      "with a letter or '_' (e.g. \"coder\")");
}

// ---------------------------------------------------------------- numbers

TEST(IsIntInRangeTest, WholeNumbersWithinBounds) {
  const schema::Validator v = IsIntInRange(1, 16);
  for (const std::string ok : {"1", "16", "8", "1.0"}) {
    SCOPED_TRACE(ok);
    EXPECT_THAT(v(Num(ok)), IsOk());
  }
  struct Case {
    std::string text, shown;
  };
  for (const Case& c :
       std::vector<Case>{{"0", "0"},
                         {"17", "17"},
                         {"-1", "-1"},
                         {"1.5", "1.5"},
                         {"1e30", "1000000000000000000000000000000"}}) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(
        v(Num(c.text)),
        StatusIs(kInvalid, c.shown + " must be a whole number from 1 to 16"));
  }
  EXPECT_THAT(v(Str("2")), StatusIs(kInvalid, "expected a number"));
}

}  // namespace
}  // namespace cvm::resources
