// H.264/H.265 Annex-B parsing and RBSP emulation prevention, with the exact
// quirks of livekit-client 2.23 (src/e2ee/worker/naluUtils.ts and utils.ts).
// The point is byte equality with web clients, not a general H.26x parser:
// a receiver recomputes the clear header length from the bytes it gets, so
// both sides must run the same rules, including their corner cases (empty
// NAL units, a final NAL unit of three bytes or fewer that is never listed,
// unescaping only when 00 00 03 occurs before the last three bytes).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/e2ee/key_derivation.hpp"

namespace matrixrtc::core::e2ee::nalu {

enum class NaluCodec { h264, h265 };

/// Offsets just after each Annex-B start code (00 00 01 or 00 00 00 01),
/// as livekit-client's findNALUIndices lists them. Every offset is below
/// size − 3. nullopt when the data does not begin with a start code
/// (optionally after zero bytes): livekit-client throws "leading data" then.
[[nodiscard]] std::optional<std::vector<std::size_t>> find_nalu_indices(ByteView data);

/// H.264 first, then H.265 (livekit-client 2.23's order); nullopt if no NAL
/// unit is a slice of either.
[[nodiscard]] std::optional<NaluCodec> detect_codec(ByteView data, const std::vector<std::size_t>& indices);

/// Clear header length for a slice-carrying frame: the offset of the first
/// slice NAL unit's header + 2; nullopt when there is no slice.
[[nodiscard]] std::optional<std::size_t> slice_header_length(ByteView data, const std::vector<std::size_t>& indices,
                                                             NaluCodec codec);

/// Every 3-byte start code not preceded by 00 becomes 00 00 00 01
/// (livekit-client's normalizeAnnexBStartCodes), so receivers whose
/// depacketizer rebuilds 4-byte codes see the header that was authenticated.
[[nodiscard]] Bytes normalize_start_codes(ByteView header);

/// True if 00 00 03 starts anywhere before the last three bytes (the exact
/// range livekit-client's needsRbspUnescaping scans).
[[nodiscard]] bool needs_unescaping(ByteView data) noexcept;

/// Removes emulation-prevention bytes: 00 00 03 becomes 00 00.
[[nodiscard]] Bytes unescape_rbsp(ByteView data);

/// Inserts 03 before any byte ≤ 03 that follows two zero bytes.
[[nodiscard]] Bytes escape_rbsp(ByteView data);

}  // namespace matrixrtc::core::e2ee::nalu
