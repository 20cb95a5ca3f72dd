#include "net/response_wire.hpp"

#include <boost/beast/http/status.hpp>

namespace matrixrtc::net {

namespace http = boost::beast::http;

void append_response_wire(std::string& out, const ServerResponse& response) {
  const unsigned version = response.version();
  const std::string_view reason = response.reason();
  std::size_t size = 32 + reason.size() + response.body().size();
  for (const auto& field : response) size += field.name_string().size() + field.value().size() + 4;
  out.reserve(out.size() + size);

  // "HTTP/X.Y ### ", as Beast writes it for any version and status.
  const auto digit = [](unsigned value) { return static_cast<char>('0' + value % 10); };
  const unsigned code = response.result_int();
  out += "HTTP/";
  out += digit(version / 10);
  out += '.';
  out += digit(version);
  out += ' ';
  out += digit(code / 100);
  out += digit(code / 10);
  out += digit(code);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& field : response) {
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size());
    out += ": ";
    out.append(value.data(), value.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += response.body();
}

}  // namespace matrixrtc::net
