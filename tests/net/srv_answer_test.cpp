#include "net/srv_answer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace matrixrtc::net {
namespace {

using core::matrix::SrvRecord;
using Bytes = std::vector<unsigned char>;

void put16(Bytes& out, unsigned value) {
  out.push_back(static_cast<unsigned char>(value >> 8));
  out.push_back(static_cast<unsigned char>(value & 0xFF));
}

void put_name(Bytes& out, std::string_view name) {
  while (!name.empty()) {
    const auto dot = name.find('.');
    const auto label = name.substr(0, dot);
    out.push_back(static_cast<unsigned char>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  out.push_back(0);
}

// A response to an SRV query for `name` with `records` as answers, the
// question's name reused by compression pointer (as servers send it).
Bytes srv_response(std::string_view name, const std::vector<SrvRecord>& records, unsigned answer_type = 33) {
  Bytes out;
  put16(out, 0x1234);  // id
  put16(out, 0x8180);  // response, recursion desired and available, NOERROR
  put16(out, 1);       // questions
  put16(out, static_cast<unsigned>(records.size()));
  put16(out, 0);
  put16(out, 0);
  put_name(out, name);
  put16(out, 33);  // SRV
  put16(out, 1);   // IN
  for (const auto& record : records) {
    put16(out, 0xC00C);  // the question's name
    put16(out, answer_type);
    put16(out, 1);
    put16(out, 0);
    put16(out, 300);  // TTL
    Bytes target;
    put_name(target, record.target);
    put16(out, static_cast<unsigned>(6 + target.size()));
    put16(out, record.priority);
    put16(out, record.weight);
    put16(out, record.port);
    out.insert(out.end(), target.begin(), target.end());
  }
  return out;
}

TEST(SrvAnswerTest, ReadsRecordsInTheServersOrder) {
  const Bytes packet =
      srv_response("_matrix-fed._tcp.example.test", {{"b.example.test", 443, 20, 0}, {"a.example.test", 8448, 10, 5}});
  const auto records = parse_srv_answer(packet.data(), static_cast<int>(packet.size()));
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0], (SrvRecord{"b.example.test", 443, 20, 0}));
  EXPECT_EQ((*records)[1], (SrvRecord{"a.example.test", 8448, 10, 5}));
}

TEST(SrvAnswerTest, NoAnswersIsAnEmptyList) {
  const Bytes packet = srv_response("_matrix._tcp.example.test", {});
  const auto records = parse_srv_answer(packet.data(), static_cast<int>(packet.size()));
  ASSERT_TRUE(records) << records.error().message;
  EXPECT_TRUE(records->empty());
}

TEST(SrvAnswerTest, ATruncatedPacketIsADnsFailure) {
  Bytes packet = srv_response("_matrix-fed._tcp.example.test", {{"a.example.test", 8448, 10, 5}});
  packet.resize(packet.size() - 4);
  const auto records = parse_srv_answer(packet.data(), static_cast<int>(packet.size()));
  ASSERT_FALSE(records);
  EXPECT_EQ(records.error().code, core::ErrorCode::dns_failure);
  EXPECT_FALSE(records.error().message.empty());
}

TEST(SrvAnswerTest, ANonDnsPacketIsADnsFailure) {
  const Bytes packet{0x00, 0x01, 0x02};
  const auto records = parse_srv_answer(packet.data(), static_cast<int>(packet.size()));
  ASSERT_FALSE(records);
  EXPECT_EQ(records.error().code, core::ErrorCode::dns_failure);
}

}  // namespace
}  // namespace matrixrtc::net
