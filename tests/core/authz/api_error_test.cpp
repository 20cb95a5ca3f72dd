#include "core/authz/api_error.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::authz {
namespace {

TEST(ApiError, CatalogueMatchesTheReference) {
  EXPECT_EQ(not_json(), (ApiError{400, "M_NOT_JSON", "Error reading request"}));
  EXPECT_EQ(bad_json("x"), (ApiError{400, "M_BAD_JSON", "x"}));
  EXPECT_EQ(unauthorized(), (ApiError{401, "M_UNAUTHORIZED", "The request could not be authorised."}));
  EXPECT_EQ(internal_error(), (ApiError{500, "M_UNKNOWN", "Internal Server Error"}));
  EXPECT_EQ(room_creation_failed(), (ApiError{500, "M_UNKNOWN", "Unable to create room on SFU"}));
  EXPECT_EQ(shutting_down(), (ApiError{503, "M_UNKNOWN", "Service is shutting down"}));
  EXPECT_EQ(delegation_forbidden(),
            (ApiError{403, "M_FORBIDDEN", "Delegation of delayed events is only supported for full access users"}));
  EXPECT_EQ(cs_api_unresolvable(), (ApiError{400, "M_BAD_JSON", "Unable to resolve client-server API"}));
  EXPECT_EQ(not_room_member(), (ApiError{403, "M_FORBIDDEN", "The requesting user is not a member of the room"}));
  EXPECT_EQ(membership_unverifiable(), (ApiError{502, "M_UNKNOWN", "Unable to verify room membership"}));
  EXPECT_EQ(webhook_unauthorized(), (ApiError{401, "M_UNAUTHORIZED", "The webhook could not be verified."}));
}

TEST(ApiError, SerialisesAsMatrixErrorBody) {
  EXPECT_EQ(to_json(unauthorized()), R"({"errcode":"M_UNAUTHORIZED","error":"The request could not be authorised."})");
  EXPECT_EQ(to_json(bad_json("The request body is missing `delay_id` or `delay_timeout`")),
            R"({"errcode":"M_BAD_JSON","error":"The request body is missing `delay_id` or `delay_timeout`"})");
  EXPECT_EQ(to_json(bad_json("quote \" and \\")), R"({"errcode":"M_BAD_JSON","error":"quote \" and \\"})");
}

TEST(ApiError, LimitExceededCarriesRetryAfterMs) {
  EXPECT_EQ(limit_exceeded(1200), (ApiError{429, "M_LIMIT_EXCEEDED", "Too many requests", 1200}));
  EXPECT_EQ(to_json(limit_exceeded(1200)),
            R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":1200})");
  EXPECT_NE(limit_exceeded(1), limit_exceeded(2));
}

TEST(ApiError, StaysJsonEvenWithInvalidText) {
  EXPECT_EQ(to_json(bad_json("bad \xff")), R"({"errcode":"M_BAD_JSON","error":""})");
}

}  // namespace
}  // namespace matrixrtc::core::authz
