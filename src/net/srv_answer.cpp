#include "net/srv_answer.hpp"

#include <ares.h>

namespace matrixrtc::net {

core::Result<std::vector<core::matrix::SrvRecord>> parse_srv_answer(const unsigned char* answer, int size) {
  using core::matrix::SrvRecord;
  ares_srv_reply* replies = nullptr;
  if (const int parsed = ares_parse_srv_reply(answer, size, &replies); parsed != ARES_SUCCESS) {
    if (parsed == ARES_ENODATA) return std::vector<SrvRecord>{};
    return std::unexpected(core::Error(core::ErrorCode::dns_failure, ares_strerror(parsed)));
  }
  std::vector<SrvRecord> records;
  for (const ares_srv_reply* r = replies; r != nullptr; r = r->next) {
    records.push_back(SrvRecord{r->host, r->port, r->priority, r->weight});
  }
  ares_free_data(replies);
  return records;
}

}  // namespace matrixrtc::net
