// An HTTP/1.1 response as the bytes that go on the wire, written into one
// buffer: the status line, the fields in their order, the empty line and the
// body, exactly what Beast's serializer sends for the same message.
//
// Why not Beast's serializer: for the service's small answers it walks a
// concatenation of buffer sequences per field and per write, which cost
// about as many instructions as minting the token inside the answer. One
// contiguous buffer is also one send for the kernel.
#pragma once

#include <string>

#include "net/http_server.hpp"

namespace matrixrtc::net {

/// Appends `response` to `out`. Bodies are sent as stored: the caller sets
/// Content-Length (prepare_payload); chunked transfer is not supported and
/// a response that asks for it is the caller's error.
void append_response_wire(std::string& out, const ServerResponse& response);

}  // namespace matrixrtc::net
