#include "net/response_wire.hpp"

#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

namespace matrixrtc::net {
namespace {

namespace http = boost::beast::http;

// What Beast's own serializer sends for the message: the reference our
// writer must match byte for byte.
std::string beast_wire(ServerResponse response) {
  std::ostringstream out;
  out << response;
  return out.str();
}

std::string our_wire(const ServerResponse& response) {
  std::string out = "kept:";
  append_response_wire(out, response);
  EXPECT_TRUE(out.starts_with("kept:")) << "appends, never replaces";
  return out.substr(5);
}

ServerResponse token_answer() {
  ServerResponse response{http::status::ok, 11};
  response.set(http::field::server, "matrixrtc-auth");
  response.set(http::field::content_type, "application/json");
  response.set(http::field::access_control_allow_origin, "*");
  response.set("X-Request-Id", "0123456789abcdef");
  response.body() = R"({"url":"wss://sfu.example","jwt":"a.b.c"})"
                    "\n";
  response.keep_alive(true);
  response.prepare_payload();
  return response;
}

TEST(ResponseWire, MatchesBeastForATokenAnswer) {
  const ServerResponse response = token_answer();
  EXPECT_EQ(our_wire(response), beast_wire(response));
  EXPECT_TRUE(our_wire(response).starts_with("HTTP/1.1 200 OK\r\nServer: matrixrtc-auth\r\n"));
}

TEST(ResponseWire, MatchesBeastForStatusesVersionsAndOddFields) {
  for (const auto status :
       {http::status::continue_, http::status::no_content, http::status::bad_request, http::status::unauthorized,
        http::status::payload_too_large, http::status::request_header_fields_too_large, http::status::too_many_requests,
        http::status::internal_server_error, http::status::bad_gateway}) {
    for (const unsigned version : {10U, 11U}) {
      ServerResponse response{status, version};
      response.set(http::field::retry_after, "3");
      response.insert("X-Repeated", "one");
      response.insert("X-Repeated", "two");
      response.insert("X-Empty", "");
      // 1xx and 204 answers carry no body (Beast refuses one).
      const bool bodyless = status == http::status::continue_ || status == http::status::no_content;
      response.body() = bodyless || version == 10 ? "" : R"({"errcode":"M_UNKNOWN"})";
      response.keep_alive(version == 10);
      response.prepare_payload();
      EXPECT_EQ(our_wire(response), beast_wire(response)) << static_cast<unsigned>(status) << " " << version;
    }
  }
}

TEST(ResponseWire, KeepsACustomReasonAndABinaryBody) {
  ServerResponse response{http::status::ok, 11};
  response.reason("Fine Thanks");
  response.body() = std::string("\0\r\n\xff", 4);
  response.prepare_payload();
  EXPECT_EQ(our_wire(response), beast_wire(response));
  EXPECT_TRUE(our_wire(response).starts_with("HTTP/1.1 200 Fine Thanks\r\n"));
  EXPECT_TRUE(our_wire(response).ends_with(std::string("\r\n\r\n\0\r\n\xff", 8)));
}

}  // namespace
}  // namespace matrixrtc::net
