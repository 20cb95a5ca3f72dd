#include "core/delegation/delayed_event_response.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::delegation {
namespace {

using Kind = CallResult::Kind;
using R = DelayedEventAction;

constexpr std::int64_t kNov6_1994 = 784'111'777'000;  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::int64_t kNow = 1'800'000'000'000;

void expect_result(const CallResult& result, Kind kind, std::optional<std::int64_t> retry_after_ms) {
  EXPECT_EQ(result.kind, kind);
  EXPECT_EQ(result.retry_after_ms, retry_after_ms);
}

TEST(DelegationDelayedEventPath, UsesTheUnstableMsc4140Prefix) {
  EXPECT_EQ(to_string(R::restart), "restart");
  EXPECT_EQ(to_string(R::send), "send");
  EXPECT_EQ(delayed_event_path("syd_abc", R::restart),
            "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/syd_abc/restart");
  EXPECT_EQ(delayed_event_path("syd_abc", R::send),
            "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/syd_abc/send");
}

TEST(DelegationDelayedEventPath, EscapesTheIdAsOneSegment) {
  EXPECT_EQ(delayed_event_path("../../../admin", R::send),
            "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/..%2F..%2F..%2Fadmin/send");
  EXPECT_EQ(delayed_event_path("Az09-._~", R::restart),
            "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/Az09-._~/restart");
  EXPECT_EQ(delayed_event_path("a b?#%/\xC3\xA9+:@", R::restart),
            "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/a%20b%3F%23%25%2F%C3%A9%2B%3A%40/restart");
  EXPECT_EQ(delayed_event_path(std::string_view("\0\x7F", 2), R::send),
            "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/%00%7F/send");
  // Dot segments would be normalised away, so their dots are encoded.
  EXPECT_EQ(delayed_event_path("..", R::send), "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/%2E%2E/send");
  EXPECT_EQ(delayed_event_path(".", R::send), "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/%2E/send");
  EXPECT_EQ(delayed_event_path("...", R::send), "/_matrix/client/unstable/org.matrix.msc4140/delayed_events/.../send");
}

TEST(DelegationClassify, SuccessIsOk) {
  for (const auto action : {R::restart, R::send}) {
    expect_result(classify_delayed_event_response(action, 200, "", "{}", kNow), Kind::ok, std::nullopt);
    expect_result(classify_delayed_event_response(action, 204, "", "", kNow), Kind::ok, std::nullopt);
    expect_result(classify_delayed_event_response(action, 299, "", "", kNow), Kind::ok, std::nullopt);
  }
}

TEST(DelegationClassify, NotFoundDependsOnTheAction) {
  expect_result(classify_delayed_event_response(R::send, 404, "", "{}", kNow), Kind::ok, std::nullopt);
  expect_result(classify_delayed_event_response(R::restart, 404, "", "{}", kNow), Kind::not_found, std::nullopt);
}

TEST(DelegationClassify, OtherStatusesRetryWithTheBackoff) {
  for (const unsigned status : {100U, 199U, 300U, 400U, 401U, 403U, 500U, 502U, 503U, 504U}) {
    expect_result(classify_delayed_event_response(R::restart, status, "5", R"({"retry_after_ms":9000})", kNow),
                  Kind::retry, std::nullopt);
  }
}

TEST(DelegationClassify, TooManyRequestsHonoursRetryAfterSeconds) {
  expect_result(classify_delayed_event_response(R::send, 429, "5", "", kNow), Kind::retry, 5000);
  expect_result(classify_delayed_event_response(R::send, 429, " 7 ", "", kNow), Kind::retry, 7000);
  expect_result(classify_delayed_event_response(R::send, 429, "0", "", kNow), Kind::retry, 0);
  // The header wins over the body.
  expect_result(classify_delayed_event_response(R::restart, 429, "3", R"({"retry_after_ms":9000})", kNow), Kind::retry,
                3000);
  // Absurd values are clamped, never wrapped.
  expect_result(classify_delayed_event_response(R::send, 429, "99999999999999999999999", "", kNow), Kind::retry,
                999'999'999'999'000);
}

TEST(DelegationClassify, TooManyRequestsHonoursRetryAfterDates) {
  expect_result(classify_delayed_event_response(R::send, 429, "Sun, 06 Nov 1994 08:49:37 GMT", "", kNov6_1994 - 4500),
                Kind::retry, 4500);
  expect_result(classify_delayed_event_response(R::send, 429, "Sunday, 06-Nov-94 08:49:37 GMT", "", kNov6_1994 - 1000),
                Kind::retry, 1000);
  expect_result(classify_delayed_event_response(R::send, 429, "Sun Nov  6 08:49:37 1994", "", kNov6_1994 - 2000),
                Kind::retry, 2000);
  // A date in the past means now.
  expect_result(classify_delayed_event_response(R::send, 429, "Sun, 06 Nov 1994 08:49:37 GMT", "", kNow), Kind::retry,
                0);
}

TEST(DelegationClassify, TooManyRequestsFallsBackToTheBodyRoundedUpToSeconds) {
  const auto body = [](std::string_view text) { return classify_delayed_event_response(R::restart, 429, "", text, kNow); };
  expect_result(body(R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":1500})"),
                Kind::retry, 2000);
  expect_result(body(R"({"retry_after_ms":2000})"), Kind::retry, 2000);
  expect_result(body(R"({"retry_after_ms":1})"), Kind::retry, 1000);
  expect_result(body(R"({"retry_after_ms":0})"), Kind::retry, 0);
  expect_result(body(R"({"retry_after_ms":18446744073709551615})"), Kind::retry, 999'999'999'999'000);
  // Unusable body values: the backoff decides.
  expect_result(body(R"({"retry_after_ms":-1})"), Kind::retry, std::nullopt);
  expect_result(body(R"({"retry_after_ms":1.5})"), Kind::retry, std::nullopt);
  expect_result(body(R"({"retry_after_ms":"1500"})"), Kind::retry, std::nullopt);
  expect_result(body(R"({"errcode":"M_LIMIT_EXCEEDED"})"), Kind::retry, std::nullopt);
  expect_result(body("<html>Too Many Requests</html>"), Kind::retry, std::nullopt);
  expect_result(body(""), Kind::retry, std::nullopt);
  // An unreadable header falls through to the body.
  expect_result(classify_delayed_event_response(R::send, 429, "soon", R"({"retry_after_ms":2500})", kNow), Kind::retry,
                3000);
  expect_result(classify_delayed_event_response(R::send, 429, "-5", "", kNow), Kind::retry, std::nullopt);
  expect_result(classify_delayed_event_response(R::send, 429, "1.5", "", kNow), Kind::retry, std::nullopt);
}

TEST(DelegationHttpDate, ReadsAllThreeForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").value(), kNov6_1994);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").value(), kNov6_1994);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994").value(), kNov6_1994);
  EXPECT_EQ(parse_http_date("Wed Nov 16 08:49:37 1994").value(), kNov6_1994 + 10 * 86'400'000);
  EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT").value(), 0);
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT").value(), 1'709'164'800'000);
  EXPECT_EQ(parse_http_date("Fri, 31 Dec 1999 23:59:59 GMT").value(), 946'684'799'000);
}

TEST(DelegationHttpDate, LeapSecondIsTheNextSecond) {
  // RFC 9110's time-of-day allows second 60 for leap seconds.
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:60 GMT").value(), kNov6_1994 + 23'000);
}

TEST(DelegationHttpDate, TwoDigitYearsAre1970To2069) {
  EXPECT_EQ(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT").value(), 0);
  EXPECT_EQ(parse_http_date("Wednesday, 31-Dec-69 23:59:59 GMT").value(), 3'155'759'999'000);  // 2069
  EXPECT_EQ(parse_http_date("Saturday, 01-Jan-00 00:00:00 GMT").value(), 946'684'800'000);      // 2000
}

TEST(DelegationHttpDate, RefusesAnythingElse) {
  for (const std::string_view text : {
           "",
           "5",
           "Sun, 06 Nov 1994 08:49:37 UTC",
           "Sun, 06 Nov 1994 08:49:37 gmt",
           "sun, 06 Nov 1994 08:49:37 GMT",
           "Sun, 06 nov 1994 08:49:37 GMT",
           "Sun, 6 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994  08:49:37 GMT",
           "Sun, 06 Nov 1994 08:49:37 GMT ",
           " Sun, 06 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 94 08:49:37 GMT",
           "Sun, 06 Xyz 1994 08:49:37 GMT",
           "Abc, 06 Nov 1994 08:49:37 GMT",
           "Sun, 31 Nov 1994 08:49:37 GMT",
           "Tue, 29 Feb 2023 00:00:00 GMT",
           "Sun, 00 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 24:00:00 GMT",
           "Sun, 06 Nov 1994 08:60:00 GMT",
           "Sun, 06 Nov 1994 08-49-37 GMT",
           "Sun, 06 Nov 1994 8:49:37 GMT",
           "Sun, 06 Nov 199x 08:49:37 GMT",
           "Sunday, 06-Nov-1994 08:49:37 GMT",
           "Sunday, 06 Nov 94 08:49:37 GMT",
           "Sun, 06-Nov-94 08:49:37 GMT",
           "Funday, 06-Nov-94 08:49:37 GMT",
           "Sunday, 06-Nov-94 08:49:37 UTC",
           "Sun Nov 6 08:49:37 1994",
           "Sun Nov 06 08:49:37 94",
           "Sun Nov  6 08:49:37 1994 ",
           "Sun Nov 6  08:49:37 1994",
           "Sun Nov  x 08:49:37 1994",
           "Sun Nov 31 08:49:37 1994",
           "1994-11-06T08:49:37Z",
       }) {
    EXPECT_FALSE(parse_http_date(text)) << text;
  }
  EXPECT_EQ(parse_http_date("nope").error().code, ErrorCode::invalid_argument);
}

TEST(DelegationHttpDate, EveryTruncationIsRefusedWithoutReadingPastTheEnd) {
  for (const std::string_view full :
       {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"}) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      // A copy of exactly n bytes, so a sanitizer sees any read past the end.
      const std::string prefix(full.substr(0, n));
      EXPECT_FALSE(parse_http_date(prefix)) << prefix;
    }
  }
}

}  // namespace
}  // namespace matrixrtc::core::delegation
