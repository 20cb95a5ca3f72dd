// Reading a raw DNS answer to an SRV query into our records, apart from the
// resolver's I/O so it can be unit-tested and fuzzed: c-ares parses the packet
// (ares_parse_srv_reply), we copy its records in the order the server sent
// them. Ordering by priority and weight is core::matrix::order_srv_records'
// job (done by after_srv), not this function's.
#pragma once

#include <cstddef>
#include <vector>

#include "core/error.hpp"
#include "core/matrix/server_discovery.hpp"

namespace matrixrtc::net {

/// The SRV records in the DNS message `answer` (`size` bytes). An answer with
/// no SRV records (ARES_ENODATA) is an empty list; a packet c-ares refuses is
/// a dns_failure carrying c-ares' message.
[[nodiscard]] core::Result<std::vector<core::matrix::SrvRecord>> parse_srv_answer(const unsigned char* answer,
                                                                                  int size);

}  // namespace matrixrtc::net
