#include "core/e2ee/frame_format.hpp"

#include "core/crypto/aes_gcm.hpp"
#include "core/e2ee/nalu.hpp"
#include "core/text.hpp"

namespace matrixrtc::core::e2ee {
namespace {

void put_u32_be(std::uint8_t* out, std::uint32_t value) noexcept {
  out[0] = static_cast<std::uint8_t>(value >> 24);
  out[1] = static_cast<std::uint8_t>(value >> 16);
  out[2] = static_cast<std::uint8_t>(value >> 8);
  out[3] = static_cast<std::uint8_t>(value);
}

// IV length byte + key index byte.
constexpr std::size_t kTrailerLength = 2;

}  // namespace

Iv make_iv(std::uint32_t ssrc, std::uint32_t rtp_timestamp, std::uint64_t send_count) noexcept {
  Iv iv{};
  put_u32_be(iv.data(), ssrc);
  put_u32_be(iv.data() + 4, rtp_timestamp);
  put_u32_be(iv.data() + 8, rtp_timestamp - static_cast<std::uint32_t>(send_count % 0xFFFF));
  return iv;
}

Result<EncryptedFrame> encrypt_frame(ByteView frame, const FrameDescription& description, ByteView encryption_key,
                                     std::uint8_t key_index, const Iv& iv) {
  auto header_rule = clear_header(frame, description);
  if (!header_rule) return std::unexpected(std::move(header_rule.error()));
  if (header_rule->length > frame.size()) {
    return fail(ErrorCode::malformed_frame,
                cat("a ", to_string(description.codec), description.keyframe ? " key" : "", " frame needs at least ",
                    header_rule->length, " bytes of clear header, got ", frame.size()));
  }
  const ByteView original_header = frame.first(header_rule->length);
  const Bytes header = header_rule->nalu ? nalu::normalize_start_codes(original_header)
                                         : Bytes(original_header.begin(), original_header.end());
  auto sealed = crypto::aes_gcm_encrypt(encryption_key, iv, header, frame.subspan(header_rule->length));
  if (!sealed) return std::unexpected(std::move(sealed.error()));
  Bytes tail = std::move(*sealed);
  tail.insert(tail.end(), iv.begin(), iv.end());
  tail.push_back(static_cast<std::uint8_t>(kIvLength));
  tail.push_back(key_index);
  if (header_rule->nalu) tail = nalu::escape_rbsp(tail);

  EncryptedFrame out;
  out.data.reserve(header.size() + tail.size());
  out.data.insert(out.data.end(), header.begin(), header.end());
  out.data.insert(out.data.end(), tail.begin(), tail.end());
  out.key_index = key_index;
  out.iv = iv;
  out.header_length = header.size();
  return out;
}

Result<SealedFrame> parse_sealed_frame(ByteView frame, const FrameDescription& description) {
  if (frame.empty()) return fail(ErrorCode::malformed_frame, "empty frame: nothing to decrypt");
  auto header_rule = clear_header(frame, description);
  if (!header_rule) return std::unexpected(std::move(header_rule.error()));
  const std::size_t header_length = header_rule->length;
  if (header_length + kTrailerLength > frame.size()) {
    return fail(ErrorCode::malformed_frame, cat("frame of ", frame.size(), " bytes is too short for a ", header_length,
                                                "-byte clear header and the trailer"));
  }
  SealedFrame out;
  out.key_index = frame.back();
  out.header.assign(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(header_length));
  const ByteView rest = frame.subspan(header_length);
  out.body =
      header_rule->nalu && nalu::needs_unescaping(rest) ? nalu::unescape_rbsp(rest) : Bytes(rest.begin(), rest.end());
  // The trailer is read after unescaping, as livekit-client does.
  if (out.body.size() < kTrailerLength) {
    return fail(ErrorCode::malformed_frame, "frame is too short for the trailer after removing emulation prevention");
  }
  const std::size_t iv_length = out.body[out.body.size() - kTrailerLength];
  if (iv_length == 0) return fail(ErrorCode::malformed_frame, "IV length byte is 0");
  if (iv_length > crypto::kMaxGcmIvLength) {
    return fail(ErrorCode::malformed_frame,
                cat("IV length ", iv_length, " is above the maximum of ", crypto::kMaxGcmIvLength));
  }
  if (iv_length + kTrailerLength + crypto::kGcmTagLength > out.body.size()) {
    return fail(ErrorCode::malformed_frame, cat("IV length ", iv_length, " is out of bounds for a frame body of ",
                                                out.body.size(), " bytes (needs IV, trailer and a 16-byte tag)"));
  }
  out.iv_length = iv_length;
  out.iv_offset = out.body.size() - kTrailerLength - iv_length;
  out.sealed_length = out.iv_offset;
  return out;
}

Result<Bytes> open_sealed_frame(const SealedFrame& sealed, ByteView encryption_key) {
  auto plain = crypto::aes_gcm_decrypt(encryption_key, sealed.iv(), sealed.header, sealed.sealed());
  if (!plain) return std::unexpected(std::move(plain.error()));
  Bytes out;
  out.reserve(sealed.header.size() + plain->size());
  out.insert(out.end(), sealed.header.begin(), sealed.header.end());
  out.insert(out.end(), plain->begin(), plain->end());
  return out;
}

}  // namespace matrixrtc::core::e2ee
