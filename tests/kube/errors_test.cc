// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/errors.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/util/status_macros.h"
#include "tests/testing/status_matchers.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

std::string StatusBody(int code, const std::string& reason,
                       const std::string& message,
                       nlohmann::json causes = nullptr) {
  nlohmann::json body = {{"kind", "Status"},    {"apiVersion", "v1"},
                         {"status", "Failure"}, {"code", code},
                         {"reason", reason},    {"message", message}};
  if (!causes.is_null()) body["details"] = {{"causes", causes}};
  return body.dump();
}

TEST(CodeForHttpStatusTest, MapsTheStyleTable) {
  struct Case {
    int http;
    std::string reason;
    absl::StatusCode want;
  };
  std::vector<Case> cases = {
      {400, "BadRequest", absl::StatusCode::kInvalidArgument},
      {401, "Unauthorized", absl::StatusCode::kUnauthenticated},
      {403, "Forbidden", absl::StatusCode::kPermissionDenied},
      {404, "NotFound", absl::StatusCode::kNotFound},
      {409, "AlreadyExists", absl::StatusCode::kAlreadyExists},
      {409, "Conflict", absl::StatusCode::kAborted},
      {410, "Expired", absl::StatusCode::kOutOfRange},
      {422, "Invalid", absl::StatusCode::kInvalidArgument},
      {429, "TooManyRequests", absl::StatusCode::kResourceExhausted},
      {500, "InternalError", absl::StatusCode::kUnavailable},
      {503, "ServiceUnavailable", absl::StatusCode::kUnavailable},
      {504, "Timeout", absl::StatusCode::kDeadlineExceeded},
      {500, "ServerTimeout", absl::StatusCode::kDeadlineExceeded},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.http);
    SCOPED_TRACE(c.reason);
    EXPECT_EQ(CodeForHttpStatus(c.http, c.reason), c.want);
  }
}

TEST(ToStatusTest, NamesVerbObjectServerAndServerMessage) {
  ApiError e = ParseApiError(
      404, StatusBody(404, "NotFound", "pods \"ws-1\" not found"));
  e.verb = "GET";
  e.object = "pods default/ws-1";
  e.server = "https://127.0.0.1:6443";
  absl::Status s = ToStatus(e);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound,
                          "GET pods default/ws-1 on https://127.0.0.1:6443: "
                          "404 NotFound: pods \"ws-1\" not found"));
}

TEST(ToStatusTest, InvalidKeepsCausesAndAddsThoseNotInTheMessage) {
  nlohmann::json causes = {{{"reason", "FieldValueRequired"},
                            {"message", "Required value"},
                            {"field", "spec.containers[0].image"}},
                           {{"reason", "FieldValueInvalid"},
                            {"message", "must be positive"},
                            {"field", "spec.x"}}};
  ApiError e = ParseApiError(
      422, StatusBody(422, "Invalid",
                      "Pod \"p\" is invalid: spec.containers[0].image: "
                      "Required value",
                      causes));
  e.verb = "PATCH";
  e.object = "pods default/p";
  e.server = "https://h";
  absl::Status s = ToStatus(e);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("422 Invalid: Pod \"p\" is invalid")));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("(spec.x: must be positive)"));
  std::optional<ApiError> back = GetApiError(s);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, e);
  ASSERT_EQ(back->causes.size(), 2u);
  EXPECT_EQ(back->causes[0],
            (StatusCause{"FieldValueRequired", "Required value",
                         "spec.containers[0].image"}));
}

TEST(ToStatusTest, ApplyConflictNamesManagerAndSuggestsForce) {
  nlohmann::json causes = {
      {{"reason", "FieldManagerConflict"},
       {"message", "conflict with \"kubectl\" using v1"},
       {"field", ".spec.containers[name=\"main\"].image"}}};
  ApiError e = ParseApiError(
      409, StatusBody(409, "Conflict",
                      "Apply failed with 1 conflict: conflict with \"kubectl\" "
                      "using v1: .spec.containers[name=\"main\"].image",
                      causes));
  e.verb = "PATCH";
  e.object = "pods default/ws-1";
  e.server = "https://127.0.0.1:6443";
  absl::Status s = ToStatus(e);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted,
                          HasSubstr("PATCH pods default/ws-1 on "
                                    "https://127.0.0.1:6443: 409 Conflict: "
                                    "Apply failed with 1 conflict")));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("owned by field manager \"kubectl\""));
  EXPECT_THAT(std::string(s.message()), HasSubstr("force = true"));
  EXPECT_EQ(ConflictingManagers(e), std::vector<std::string>{"kubectl"});
}

TEST(ParseApiErrorTest, NonStatusBodyBecomesTrimmedMessage) {
  ApiError e = ParseApiError(502, "  <html>bad gateway</html>\n");
  EXPECT_EQ(e.reason, "BadGateway");
  EXPECT_EQ(e.message, "<html>bad gateway</html>");
  ApiError big = ParseApiError(500, std::string(2000, 'x'));
  EXPECT_EQ(big.message.size(), 512u + 3);
}

TEST(GetApiErrorTest, SurvivesAnnotateAndIsAbsentOtherwise) {
  ApiError e = ParseApiError(403, StatusBody(403, "Forbidden", "no"));
  e.retry_after_seconds = 3;
  absl::Status annotated = util::Annotate(ToStatus(e), "reading workspace");
  EXPECT_THAT(annotated, StatusIs(absl::StatusCode::kPermissionDenied,
                                  HasSubstr("reading workspace: ")));
  std::optional<ApiError> back = GetApiError(annotated);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->retry_after_seconds, 3);
  EXPECT_FALSE(GetApiError(absl::NotFoundError("x")).has_value());
}

}  // namespace
}  // namespace cvm::kube
