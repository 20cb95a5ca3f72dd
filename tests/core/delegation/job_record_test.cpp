#include "core/delegation/job_record.hpp"

#include <gtest/gtest.h>

#include "core/delegation/civil_time.hpp"

namespace matrixrtc::core::delegation {
namespace {

constexpr std::int64_t kRestartedAt = 1'782'907'200'123;  // 2026-07-01T12:00:00.123Z

// A value exactly as lk-jwt-service (Go) writes it.
constexpr std::string_view kGoValue =
    R"({"Params":{"DelayId":"syd_abc","DelayTimeout":30000000000,"ServerName":"example.com",)"
    R"("LiveKitRoom":"F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI","LiveKitIdentity":"@alice:example.com:DEVICE"},)"
    R"("RestartedAt":"2026-07-01T12:00:00.123Z"})";

JobRecord go_record() {
  JobRecord record;
  record.params.delay_id = "syd_abc";
  record.params.delay_timeout_ms = 30'000;
  record.params.server_name = "example.com";
  record.params.livekit_room = "F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI";
  record.params.livekit_identity = "@alice:example.com:DEVICE";
  record.restarted_at_ms = kRestartedAt;
  return record;
}

void expect_same(const JobRecord& a, const JobRecord& b) {
  EXPECT_EQ(a.params.delay_id, b.params.delay_id);
  EXPECT_EQ(a.params.delay_timeout_ms, b.params.delay_timeout_ms);
  EXPECT_EQ(a.params.server_name, b.params.server_name);
  EXPECT_EQ(a.params.livekit_room, b.params.livekit_room);
  EXPECT_EQ(a.params.livekit_identity, b.params.livekit_identity);
  EXPECT_EQ(a.params.alternative_identities, b.params.alternative_identities);
  EXPECT_EQ(a.restarted_at_ms, b.restarted_at_ms);
}

TEST(DelegationCivilTime, RoundTripsAcrossEras) {
  EXPECT_EQ(civil::days_from_civil(2026, 7, 1), 20'635);
  EXPECT_EQ(civil::days_from_civil(1600, 2, 29), -135'081);
  for (std::int64_t days = -800'000; days <= 800'000; days += 997) {
    const civil::Date date = civil::civil_from_days(days);
    ASSERT_EQ(civil::days_from_civil(date.year, date.month, date.day), days);
    ASSERT_LE(date.day, civil::days_in_month(date.year, date.month));
  }
  EXPECT_EQ(civil::days_in_month(2000, 2), 29U);
  EXPECT_EQ(civil::days_in_month(1900, 2), 28U);
  EXPECT_EQ(civil::days_in_month(2024, 2), 29U);
  EXPECT_EQ(civil::days_in_month(2023, 12), 31U);
}

TEST(DelegationJobRecord, FieldIsGosJsonArray) {
  EXPECT_EQ(kJobsHashKey, "lk-jwt:jobs");
  EXPECT_EQ(job_field("F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI", "@alice:example.com:DEVICE"),
            R"(["F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI","@alice:example.com:DEVICE"])");
  EXPECT_EQ(job_field("", ""), R"(["",""])");
}

TEST(DelegationJobRecord, FieldEscapesAsGoDoes) {
  EXPECT_EQ(job_field("a\"b\\c/d", "<>&"), R"(["a\"b\\c/d","\u003c\u003e\u0026"])");
  EXPECT_EQ(job_field("\n\r\t\b\f", std::string_view("\x00\x01\x1f\x7f", 4)),
            "[\"\\n\\r\\t\\b\\f\",\"\\u0000\\u0001\\u001f\x7f\"]");
  // U+2028 and U+2029 escaped; other non-ASCII raw.
  EXPECT_EQ(job_field("\xE2\x80\xA8\xE2\x80\xA9", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8E\xA5\xEF\xBF\xBD"),
            "[\"\\u2028\\u2029\",\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8E\xA5\xEF\xBF\xBD\"]");
  // Invalid UTF-8: one U+FFFD per bad byte, as Go's utf8.DecodeRuneInString decides.
  EXPECT_EQ(job_field("\xFF", "a\xE2\x80"), R"(["\ufffd","a\ufffd\ufffd"])");
  EXPECT_EQ(job_field("\xC0\x80", "\xED\xA0\x80"), R"(["\ufffd\ufffd","\ufffd\ufffd\ufffd"])");
  EXPECT_EQ(job_field("\xF4\x90\x80\x80", "\xE0\x80\xAF"), R"(["\ufffd\ufffd\ufffd\ufffd","\ufffd\ufffd\ufffd"])");
}

TEST(DelegationJobRecord, SerializesInGoStructOrder) {
  EXPECT_EQ(serialize_job_record(go_record()), kGoValue);
}

TEST(DelegationJobRecord, AlternativeIdentitiesRideInAnExtraParamsField) {
  JobRecord record = go_record();
  record.params.alternative_identities = {"@alice:example.com:DEVICE", "x<y"};
  record.params.livekit_identity = "hashed";
  record.restarted_at_ms = 1'782'907'200'000;
  EXPECT_EQ(serialize_job_record(record),
            R"({"Params":{"DelayId":"syd_abc","DelayTimeout":30000000000,"ServerName":"example.com",)"
            R"("LiveKitRoom":"F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI","LiveKitIdentity":"hashed",)"
            R"("MatrixrtcAlternativeIdentities":["@alice:example.com:DEVICE","x\u003cy"]},)"
            R"("RestartedAt":"2026-07-01T12:00:00Z"})");
  expect_same(parse_job_record(serialize_job_record(record)).value(), record);
}

TEST(DelegationJobRecord, ReadsTheGoServicesValue) {
  expect_same(parse_job_record(kGoValue).value(), go_record());
}

TEST(DelegationJobRecord, ReadsTheRustPortsValue) {
  const auto record = parse_job_record(
      R"({"Params":{"DelayId":"syd_abc","DelayTimeout":30000000000,"ServerName":"example.com",)"
      R"("LiveKitRoom":"F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI","LiveKitIdentity":"@alice:example.com:DEVICE"},)"
      R"("RestartedAt":"2026-07-01T12:00:00.123456789+00:00"})");
  expect_same(record.value(), go_record());
}

TEST(DelegationJobRecord, ToleratesKeyOrderUnknownFieldsAndLocalOffsets) {
  const auto record = parse_job_record(
      R"( {"RestartedAt":"2026-07-01T14:00:00.123+02:00","Extra":[1,{"a":null}],)"
      R"("Params":{"LiveKitIdentity":"@alice:example.com:DEVICE","Future":true,"LiveKitRoom":)"
      R"("F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI","ServerName":"example.com","DelayTimeout":30000000000,)"
      R"("DelayId":"syd_abc","MatrixrtcAlternativeIdentities":null}} )");
  expect_same(record.value(), go_record());
}

TEST(DelegationJobRecord, DelayTimeoutRoundsUpToWholeMilliseconds) {
  const auto with_timeout = [](std::string_view nanos) {
    return parse_job_record(std::string(R"({"Params":{"DelayId":"d","DelayTimeout":)") + std::string(nanos) +
                            R"(,"ServerName":"s","LiveKitRoom":"r","LiveKitIdentity":"i"},"RestartedAt":"1970-01-01T00:00:00Z"})");
  };
  EXPECT_EQ(with_timeout("1500000001").value().params.delay_timeout_ms, 1501);
  EXPECT_EQ(with_timeout("1500000000").value().params.delay_timeout_ms, 1500);
  EXPECT_EQ(with_timeout("1").value().params.delay_timeout_ms, 1);
  EXPECT_EQ(with_timeout("9223372036854775807").value().params.delay_timeout_ms, 9'223'372'036'855);
  for (const std::string_view bad : {"0", "-1", "3e10", "30000000000.0", "\"30s\"", "null", "18446744073709551615"}) {
    const auto result = with_timeout(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument) << bad;
  }
}

TEST(DelegationJobRecord, RefusesMissingEmptyOrMistypedFields) {
  const std::string good(kGoValue);
  const auto without = [&](std::string_view part, std::string_view replacement) {
    std::string text = good;
    const auto at = text.find(part);
    EXPECT_NE(at, std::string::npos) << part;
    text.replace(at, part.size(), replacement);
    return parse_job_record(text);
  };
  EXPECT_EQ(without(R"("DelayId":"syd_abc",)", "").error().message, "job record: Params.DelayId is missing");
  EXPECT_EQ(without(R"("DelayId":"syd_abc")", R"("DelayId":"")").error().message, "job record: Params.DelayId is empty");
  EXPECT_EQ(without(R"("ServerName":"example.com")", R"("ServerName":7)").error().message,
            "job record: Params.ServerName is not a string");
  EXPECT_EQ(without(R"("ServerName":"example.com")", R"("ServerName":"")").error().message,
            "job record: Params.ServerName is empty");
  EXPECT_FALSE(without(R"("LiveKitRoom":"F4oOprKFBq6JHqy2qYpq6UQQmR7hCvxkQQoUrd0+SbI",)", ""));
  EXPECT_FALSE(without(R"(,"LiveKitIdentity":"@alice:example.com:DEVICE")", ""));
  EXPECT_FALSE(without(R"("DelayTimeout":30000000000,)", ""));
  EXPECT_FALSE(without(R"(,"RestartedAt":"2026-07-01T12:00:00.123Z")", ""));
  EXPECT_FALSE(without(R"("RestartedAt":"2026-07-01T12:00:00.123Z")", R"("RestartedAt":1782907200)"));
  EXPECT_FALSE(without(R"("RestartedAt":"2026-07-01T12:00:00.123Z")", R"("RestartedAt":"2026-07-01 12:00:00Z")"));
  EXPECT_FALSE(without(R"("LiveKitIdentity":"@alice:example.com:DEVICE")",
                       R"("LiveKitIdentity":"a","MatrixrtcAlternativeIdentities":"b")"));
  EXPECT_FALSE(without(R"("LiveKitIdentity":"@alice:example.com:DEVICE")",
                       R"("LiveKitIdentity":"a","MatrixrtcAlternativeIdentities":["b",1])"));
  EXPECT_FALSE(without(R"("LiveKitIdentity":"@alice:example.com:DEVICE")",
                       R"("LiveKitIdentity":"a","MatrixrtcAlternativeIdentities":[""])"));
  EXPECT_EQ(parse_job_record(R"({"Params":[],"RestartedAt":"2026-07-01T12:00:00Z"})").error().message,
            "job record: Params is not an object");
  EXPECT_FALSE(parse_job_record(R"({"RestartedAt":"2026-07-01T12:00:00Z"})"));
  // Not JSON, or JSON that two readers could read differently.
  EXPECT_EQ(parse_job_record("").error().code, ErrorCode::invalid_json);
  EXPECT_EQ(parse_job_record("[]").error().code, ErrorCode::invalid_json);
  EXPECT_FALSE(without(R"("DelayId":"syd_abc")", R"("DelayId":"syd_abc","DelayId":"other")"));
}

TEST(DelegationJobRecord, ExpiresWhenTheDelayHasRunOut) {
  const JobRecord record = go_record();
  EXPECT_FALSE(is_expired(record, kRestartedAt + 29'999));
  EXPECT_TRUE(is_expired(record, kRestartedAt + 30'000));
  EXPECT_TRUE(is_expired(record, kRestartedAt + 30'001));
  JobRecord huge = record;
  huge.params.delay_timeout_ms = std::numeric_limits<std::int64_t>::max();
  EXPECT_FALSE(is_expired(huge, std::numeric_limits<std::int64_t>::max()));
}

TEST(DelegationRfc3339, FormatsAsGosRfc3339NanoInUtc) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(kRestartedAt), "2026-07-01T12:00:00.123Z");
  EXPECT_EQ(format_rfc3339(kRestartedAt - 3), "2026-07-01T12:00:00.12Z");
  EXPECT_EQ(format_rfc3339(kRestartedAt - 23), "2026-07-01T12:00:00.1Z");
  EXPECT_EQ(format_rfc3339(kRestartedAt - 122), "2026-07-01T12:00:00.001Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(951'782'400'000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_rfc3339(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(-62'167'219'200'000), "0000-01-01T00:00:00Z");
}

TEST(DelegationRfc3339, ParsesOffsetsFractionsAndSeparators) {
  EXPECT_EQ(parse_rfc3339("2026-07-01T12:00:00.123Z").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("2026-07-01t12:00:00.123z").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("2026-07-01T12:00:00.123456789Z").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("2026-07-01T12:00:00.123999999999999Z").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("2026-07-01T12:00:00.1Z").value(), kRestartedAt - 23);
  EXPECT_EQ(parse_rfc3339("2026-07-01T12:00:00.12Z").value(), kRestartedAt - 3);
  EXPECT_EQ(parse_rfc3339("2026-07-01T12:00:00Z").value(), kRestartedAt - 123);
  EXPECT_EQ(parse_rfc3339("2026-07-01T12:00:00.123+00:00").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("2026-07-01T12:00:00.123-00:00").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("2026-07-01T14:30:00.123+02:30").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("2026-07-01T06:30:00.123-05:30").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("2026-07-02T11:59:00.123+23:59").value(), kRestartedAt);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59.999Z").value(), -1);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z").value(), 1'709'164'800'000);
  for (std::int64_t ms : {std::int64_t{0}, kRestartedAt, std::int64_t{-1}, std::int64_t{951'782'400'001}}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(ms)).value(), ms);
  }
}

TEST(DelegationRfc3339, RefusesWhatIsNotRfc3339) {
  for (const std::string_view text : {
           "",
           "2026-07-01",
           "2026-07-01T12:00:00",
           "2026-07-01 12:00:00Z",
           "2026-07-01T12:00Z",
           "2026-07-01T12:00:00.Z",
           "2026-07-01T12:00:00,123Z",
           "2026-07-01T12:00:00ZZ",
           "2026-07-01T12:00:00Z ",
           " 2026-07-01T12:00:00Z",
           "2026-07-01T12:00:00+0200",
           "2026-07-01T12:00:00+02",
           "2026-07-01T12:00:00+24:00",
           "2026-07-01T12:00:00+02:60",
           "2026-07-01T24:00:00Z",
           "2026-07-01T12:60:00Z",
           "2026-07-01T12:00:60Z",
           "2026-02-29T12:00:00Z",
           "2026-04-31T12:00:00Z",
           "2026-13-01T12:00:00Z",
           "2026-00-01T12:00:00Z",
           "2026-07-00T12:00:00Z",
           "26-07-01T12:00:00Z",
           "+2026-07-01T12:00:00Z",
           "2026-7-01T12:00:00Z",
           "2026/07/01T12:00:00Z",
           "2026-07-01T12:00:00UTC",
       }) {
    const auto result = parse_rfc3339(text);
    ASSERT_FALSE(result) << text;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument) << text;
  }
  const std::string_view full = "2026-07-01T12:00:00.123+02:00";
  for (std::size_t n = 0; n < full.size(); ++n) {
    if (n == 19 || n == 23) continue;  // "…:00" and "…:00.123" lack only the offset: still refused below
    EXPECT_FALSE(parse_rfc3339(std::string(full.substr(0, n)))) << n;
  }
  EXPECT_FALSE(parse_rfc3339("2026-07-01T12:00:00"));
  EXPECT_FALSE(parse_rfc3339("2026-07-01T12:00:00.123"));
}

}  // namespace
}  // namespace matrixrtc::core::delegation
