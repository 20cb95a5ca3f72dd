#include "core/matrix/server_discovery.hpp"

#include <gtest/gtest.h>

namespace matrixrtc::core::matrix {
namespace {

std::vector<Candidate> connect_of(const Result<DiscoveryStep>& step) {
  EXPECT_TRUE(step);
  if (!step) return {};
  const auto* connect = std::get_if<Connect>(&*step);
  EXPECT_NE(connect, nullptr);
  return connect != nullptr ? connect->candidates : std::vector<Candidate>{};
}

TEST(BeginDiscovery, IpLiteralsAreUsedDirectly) {
  EXPECT_EQ(connect_of(begin_discovery("1.2.3.4")), (std::vector<Candidate>{{"1.2.3.4", 8448, "1.2.3.4", "1.2.3.4"}}));
  EXPECT_EQ(connect_of(begin_discovery("1.2.3.4:1234")),
            (std::vector<Candidate>{{"1.2.3.4", 1234, "1.2.3.4", "1.2.3.4:1234"}}));
  EXPECT_EQ(connect_of(begin_discovery("[::1]")), (std::vector<Candidate>{{"::1", 8448, "::1", "[::1]"}}));
  EXPECT_EQ(connect_of(begin_discovery("[2001:db8::5]:443")),
            (std::vector<Candidate>{{"2001:db8::5", 443, "2001:db8::5", "[2001:db8::5]:443"}}));
  EXPECT_EQ(connect_of(begin_discovery("1.2.3.4", 18448)),
            (std::vector<Candidate>{{"1.2.3.4", 18448, "1.2.3.4", "1.2.3.4"}}));
}

TEST(BeginDiscovery, ExplicitPortSkipsDelegation) {
  // Step 2: certificate for the hostname, Host header with the port.
  EXPECT_EQ(connect_of(begin_discovery("example.org:8008")),
            (std::vector<Candidate>{{"example.org", 8008, "example.org", "example.org:8008"}}));
}

TEST(BeginDiscovery, PlainHostnameFetchesWellKnown) {
  const auto step = begin_discovery("example.org");
  ASSERT_TRUE(step);
  ASSERT_TRUE(std::holds_alternative<FetchWellKnown>(*step));
  EXPECT_EQ(std::get<FetchWellKnown>(*step).hostname, "example.org");
}

TEST(BeginDiscovery, RefusesInvalidNames) {
  for (const auto* name : {"", "exa mple.org", "example.org:0", "[::1", "https://example.org"}) {
    const auto step = begin_discovery(name);
    ASSERT_FALSE(step) << name;
    EXPECT_EQ(step.error().code, ErrorCode::invalid_argument);
  }
}

TEST(AfterWellKnown, DelegatedIpLiteralOrPortConnectsDirectly) {
  // Step 3.1
  EXPECT_EQ(connect_of(after_well_known("example.org", std::string("10.0.0.1"))),
            (std::vector<Candidate>{{"10.0.0.1", 8448, "10.0.0.1", "10.0.0.1"}}));
  EXPECT_EQ(connect_of(after_well_known("example.org", std::string("[fd00::1]:443"))),
            (std::vector<Candidate>{{"fd00::1", 443, "fd00::1", "[fd00::1]:443"}}));
  // Step 3.2: the delegated hostname is the certificate name and, with its port, the Host.
  EXPECT_EQ(connect_of(after_well_known("example.org", std::string("matrix.example.org:443"))),
            (std::vector<Candidate>{{"matrix.example.org", 443, "matrix.example.org", "matrix.example.org:443"}}));
}

TEST(AfterWellKnown, DelegatedHostnameWithoutPortLooksUpSrv) {
  const auto step = after_well_known("example.org", std::string("matrix.example.org"));
  ASSERT_TRUE(step);
  ASSERT_TRUE(std::holds_alternative<LookUpSrv>(*step));
  EXPECT_EQ(std::get<LookUpSrv>(*step).name, "matrix.example.org");
}

TEST(AfterWellKnown, NoDocumentLooksUpSrvOnTheServerName) {
  const auto step = after_well_known("example.org", std::nullopt);
  ASSERT_TRUE(step);
  ASSERT_TRUE(std::holds_alternative<LookUpSrv>(*step));
  EXPECT_EQ(std::get<LookUpSrv>(*step).name, "example.org");
}

TEST(AfterWellKnown, RefusesInvalidDelegation) {
  const auto step = after_well_known("example.org", std::string("bad_name"));
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().code, ErrorCode::invalid_argument);
}

TEST(AfterSrv, PrefersMatrixFedRecordsInPriorityAndWeightOrder) {
  const std::vector<SrvRecord> fed = {
      {"b.example.net.", 8449, 20, 0}, {"a.example.net", 8448, 10, 5}, {"c.example.net", 8450, 10, 50}};
  const std::vector<SrvRecord> legacy = {{"legacy.example.net", 1, 0, 0}};
  // The certificate name and Host header stay the name before SRV.
  EXPECT_EQ(after_srv("example.org", fed, legacy),
            (std::vector<Candidate>{{"c.example.net", 8450, "example.org", "example.org"},
                                    {"a.example.net", 8448, "example.org", "example.org"},
                                    {"b.example.net", 8449, "example.org", "example.org"}}));
}

TEST(AfterSrv, FallsBackToLegacySrvThenDefaultPort) {
  EXPECT_EQ(after_srv("example.org", {}, {{"legacy.example.net", 1234, 0, 0}}),
            (std::vector<Candidate>{{"legacy.example.net", 1234, "example.org", "example.org"}}));
  EXPECT_EQ(after_srv("example.org", {}, {}),
            (std::vector<Candidate>{{"example.org", 8448, "example.org", "example.org"}}));
  EXPECT_EQ(after_srv("example.org", {}, {}, 9000),
            (std::vector<Candidate>{{"example.org", 9000, "example.org", "example.org"}}));
}

TEST(AfterSrv, DotTargetMeansNoService) {
  EXPECT_EQ(after_srv("example.org", {{".", 0, 0, 0}}, {{"legacy.example.net", 1234, 0, 0}}),
            (std::vector<Candidate>{{"legacy.example.net", 1234, "example.org", "example.org"}}));
  EXPECT_EQ(after_srv("example.org", {{".", 0, 0, 0}}, {}),
            (std::vector<Candidate>{{"example.org", 8448, "example.org", "example.org"}}));
}

}  // namespace
}  // namespace matrixrtc::core::matrix
