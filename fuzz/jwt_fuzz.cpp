// Token parsing on arbitrary bytes: the input is tried as a token, as a
// webhook Authorization header, and as a payload we sign ourselves (so the
// claims reader runs past the signature check).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/livekit/access_token.hpp"
#include "core/livekit/jwt.hpp"
#include "core/livekit/webhook_token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace matrixrtc::core::livekit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const VerifyOptions options{.api_key = "APIKEY", .secret = "secret", .now = 1'795'422'382, .leeway_seconds = 10};
  (void)verify_access_token(text, options);
  (void)verify_webhook(text, "{}", options);
  (void)decode_unverified(text);
  if (const auto token = sign_hs256(text, "secret")) {
    const auto verified = verify_access_token(*token, options);
    if (verified) {
      // Whatever we accepted, we can mint again and read back identically.
      const auto reminted = mint_access_token(verified->claims, "secret");
      if (reminted) {
        const auto back = verify_access_token(*reminted, options);
        if (back && !(back->claims == verified->claims)) std::abort();
      }
    }
  }
  return 0;
}
