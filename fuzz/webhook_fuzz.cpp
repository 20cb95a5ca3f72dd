// libFuzzer target: LiveKit webhook authentication and the webhook body, as
// the router's /sfu_webhook sees them. The first two bytes (little-endian)
// are the length of the Authorization header value taken from the rest (real
// tokens are longer than 255 bytes); what follows is the body.
// The header/body pair must never verify against our key unless it was minted
// with it, and a token we mint for the body must verify, and stop verifying
// once one byte of the body changes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/delegation/webhook_event.hpp"
#include "core/livekit/webhook_token.hpp"

namespace {

using namespace matrixrtc::core;

constexpr std::string_view kKey = "APIfuzzkey";
constexpr std::string_view kSecret = "fuzzsecret-with-at-least-32-bytes-of-entropy";
constexpr std::int64_t kNow = 1'800'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::size_t split = std::min<std::size_t>(data[0] | (std::size_t{data[1]} << 8), rest.size());
  const std::string_view authorization = rest.substr(0, split);
  const std::string_view body = rest.substr(split);
  const livekit::VerifyOptions options{kKey, kSecret, kNow};

  // Arbitrary headers: a forgery verifying against our secret would be a finding.
  if (const auto verified = livekit::verify_webhook(authorization, body, options)) {
    if (verified->claims.issuer != kKey || !verified->claims.sha256 ||
        *verified->claims.sha256 != livekit::webhook_body_hash(body)) {
      std::abort();
    }
  }
  (void)livekit::verify_webhook(body, authorization, options);

  if (const auto event = delegation::parse_participant_webhook(body);
      event && event->participant_event && (event->room.empty() || event->identity.empty())) {
    std::abort();
  }

  // Round trip: what we mint for this body verifies, raw and after "Bearer ".
  const auto token = livekit::mint_webhook_token(kKey, kSecret, body, kNow);
  if (!token) std::abort();
  const auto verified = livekit::verify_webhook(*token, body, options);
  if (!verified || !verified->claims.sha256 || *verified->claims.sha256 != livekit::webhook_body_hash(body)) {
    std::abort();
  }
  if (!livekit::verify_webhook("Bearer " + *token, body, options)) std::abort();
  // Wrong secret or key: refused.
  if (livekit::verify_webhook(*token, body, {kKey, "another-secret-another-secret-another", kNow})) std::abort();
  if (livekit::verify_webhook(*token, body, {"APIother", kSecret, kNow})) std::abort();
  // One body byte flipped (chosen by the input): refused.
  if (!body.empty()) {
    std::string tampered(body);
    tampered[data[0] % tampered.size()] ^= 0x01;
    if (livekit::verify_webhook(*token, tampered, options)) std::abort();
  }
  // A byte appended or the body dropped: refused.
  if (livekit::verify_webhook(*token, std::string(body) + " ", options)) std::abort();
  if (!body.empty() && livekit::verify_webhook(*token, "", options)) std::abort();
  // Expired (past the leeway): refused.
  if (livekit::verify_webhook(*token, body, {kKey, kSecret, kNow + 600 + 3600})) std::abort();
  return 0;
}
