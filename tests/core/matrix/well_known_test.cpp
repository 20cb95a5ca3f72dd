#include "core/matrix/well_known.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::matrix {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

// 2024-03-01T12:00:00Z
const std::chrono::system_clock::time_point kNow = std::chrono::sys_days(std::chrono::year(2024) / 3 / 1) + hours(12);

TEST(WellKnownServer, ReadsMServer) {
  EXPECT_EQ(parse_well_known_server(R"({"m.server":"matrix.example.org:443"})").value(), "matrix.example.org:443");
  EXPECT_EQ(parse_well_known_server(R"({"m.server":"hs.example","other":[1,2]})").value(), "hs.example");
  EXPECT_EQ(parse_well_known_server(R"( {"m.server":"[::1]:8448"} )").value(), "[::1]:8448");
}

TEST(WellKnownServer, RefusesBadDocuments) {
  EXPECT_EQ(parse_well_known_server("").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_well_known_server("<html>").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_well_known_server(R"(["m.server"])").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_well_known_server(R"({"m.server":"a","m.server":"b"})").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_well_known_server(R"({})").error().message, "well-known document has no m.server");
  EXPECT_EQ(parse_well_known_server(R"({"m.server":443})").error().message, "well-known m.server is not a string");
  const auto bad = parse_well_known_server(R"({"m.server":"bad_name:443"})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(parse_well_known_server(R"({"m.server":"https://example.org"})"));
  EXPECT_FALSE(parse_well_known_server(R"({"m.server":"example.org:0"})"));
}

TEST(WellKnownClient, ReadsTheBaseUrlWithoutTrailingSlashes) {
  EXPECT_EQ(parse_well_known_client(R"({"m.homeserver":{"base_url":"https://matrix.example.org/"}})").value(),
            "https://matrix.example.org");
  EXPECT_EQ(parse_well_known_client(
                R"({"m.homeserver":{"base_url":"https://hs.example:8443/prefix"},"org.matrix.msc4143.rtc_foci":[]})")
                .value(),
            "https://hs.example:8443/prefix");
}

TEST(WellKnownClient, RefusesBadDocuments) {
  EXPECT_EQ(parse_well_known_client("<html>").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_well_known_client(R"({})").error().message, "well-known document has no m.homeserver object");
  EXPECT_EQ(parse_well_known_client(R"({"m.homeserver":"https://x"})").error().message,
            "well-known document has no m.homeserver object");
  for (const char* body :
       {R"({"m.homeserver":{}})", R"({"m.homeserver":{"base_url":5}})", R"({"m.homeserver":{"base_url":""}})"}) {
    EXPECT_EQ(parse_well_known_client(body).error().message,
              "well-known m.homeserver.base_url is missing or not a string")
        << body;
  }
  EXPECT_EQ(parse_well_known_client(R"({"m.homeserver":{"base_url":"///"}})").error().message,
            "well-known m.homeserver.base_url is empty");
}

TEST(WellKnownLifetime, DefaultsTo24Hours) {
  EXPECT_EQ(well_known_lifetime(std::nullopt, std::nullopt, kNow), hours(24));
  EXPECT_EQ(well_known_lifetime("public", std::nullopt, kNow), hours(24));
}

TEST(WellKnownLifetime, UsesMaxAgeCappedAt48Hours) {
  EXPECT_EQ(well_known_lifetime("max-age=3600", std::nullopt, kNow), hours(1));
  EXPECT_EQ(well_known_lifetime("public, MAX-AGE=\"120\"", std::nullopt, kNow), seconds(120));
  EXPECT_EQ(well_known_lifetime("max-age=0", std::nullopt, kNow), seconds(0));
  EXPECT_EQ(well_known_lifetime("max-age=604800", std::nullopt, kNow), hours(48));
  EXPECT_EQ(well_known_lifetime("max-age=99999999999999999999", std::nullopt, kNow), hours(48));
  // An unparsable max-age makes the answer stale rather than defaulting.
  EXPECT_EQ(well_known_lifetime("max-age=soon", std::nullopt, kNow), seconds(0));
  EXPECT_EQ(well_known_lifetime("max-age=-5", std::nullopt, kNow), seconds(0));
  // max-age wins over Expires.
  EXPECT_EQ(well_known_lifetime("max-age=60", "Fri, 01 Mar 2024 18:00:00 GMT", kNow), seconds(60));
}

TEST(WellKnownLifetime, NoStoreAndNoCacheMeanZero) {
  EXPECT_EQ(well_known_lifetime("no-store", std::nullopt, kNow), seconds(0));
  EXPECT_EQ(well_known_lifetime("max-age=600, no-cache", std::nullopt, kNow), seconds(0));
  EXPECT_EQ(well_known_lifetime("No-Store", "Fri, 01 Mar 2024 18:00:00 GMT", kNow), seconds(0));
}

TEST(WellKnownLifetime, UsesExpiresRelativeToNow) {
  EXPECT_EQ(well_known_lifetime(std::nullopt, "Fri, 01 Mar 2024 18:00:00 GMT", kNow), hours(6));
  EXPECT_EQ(well_known_lifetime(std::nullopt, "Mon, 01 Apr 2024 12:00:00 GMT", kNow), hours(48));
  EXPECT_EQ(well_known_lifetime(std::nullopt, "Thu, 29 Feb 2024 12:00:00 GMT", kNow), seconds(0));
  EXPECT_EQ(well_known_lifetime(std::nullopt, "0", kNow), seconds(0));
  EXPECT_EQ(well_known_lifetime(std::nullopt, "", kNow), seconds(0));
}

TEST(HttpDate, ParsesTheThreeForms) {
  const auto expected =
      std::chrono::sys_days(std::chrono::year(1994) / 11 / 6) + hours(8) + std::chrono::minutes(49) + seconds(37);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
}

// The forms allow years 0000-9999; system_clock (nanoseconds) holds only
// 1677-2262. Beyond, the date is clamped instead of overflowing (UBSan found
// it through discovery_fuzz), so a far-future Expires still means "cap".
TEST(HttpDate, ClampsYearsBeyondTheClock) {
  using Clock = std::chrono::system_clock;
  EXPECT_EQ(parse_http_date("Sun, 21 Oct 4052 07:28:00 GMT"), Clock::time_point::max());
  EXPECT_EQ(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), Clock::time_point::max());
  EXPECT_EQ(parse_http_date("Sat, 01 Jan 0000 00:00:00 GMT"), Clock::time_point::min());
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1000"), Clock::time_point::min());
  const auto now = Clock::time_point(std::chrono::seconds(1'800'000'000));
  EXPECT_EQ(well_known_lifetime(std::nullopt, "Sun, 21 Oct 4052 07:28:00 GMT", now), kWellKnownMaxLifetime);
  EXPECT_EQ(well_known_lifetime(std::nullopt, "Sat, 01 Jan 0000 00:00:00 GMT", now), std::chrono::seconds(0));
  // The clock's own range is exact to the second.
  EXPECT_EQ(parse_http_date("Fri, 11 Apr 2262 23:47:16 GMT"), Clock::time_point(std::chrono::seconds(9'223'372'036)));
}

TEST(HttpDate, RefusesOtherText) {
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("1994-11-06T08:49:37Z"));
  EXPECT_FALSE(parse_http_date("Xyz, 06 Nov 1994 08:49:37 GMT"));
}

}  // namespace
}  // namespace matrixrtc::core::matrix
