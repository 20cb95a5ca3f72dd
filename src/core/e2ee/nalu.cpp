#include "core/e2ee/nalu.hpp"

namespace matrixrtc::core::e2ee::nalu {
namespace {

bool is_h264_slice(std::uint8_t header) noexcept {
  const int type = header & 0x1F;
  return type == 1 || type == 5;
}

bool is_h265_slice(std::uint8_t header) noexcept {
  const int type = (header >> 1) & 0x3F;
  return (type >= 0 && type <= 9) || (type >= 16 && type <= 21);
}

bool is_slice(std::uint8_t header, NaluCodec codec) noexcept {
  return codec == NaluCodec::h264 ? is_h264_slice(header) : is_h265_slice(header);
}

}  // namespace

std::optional<std::vector<std::size_t>> find_nalu_indices(ByteView data) {
  // Signed arithmetic: the search bound is size − 3, which is negative for
  // frames shorter than three bytes (then nothing is found, as in JS).
  const auto size = static_cast<std::ptrdiff_t>(data.size());
  const std::ptrdiff_t search_length = size - 3;
  const auto at = [&](std::ptrdiff_t i) { return data[static_cast<std::size_t>(i)]; };
  std::vector<std::size_t> result;
  std::ptrdiff_t start = 0;
  std::ptrdiff_t pos = 0;
  while (pos < search_length) {
    while (pos < search_length) {
      if (pos < search_length - 1 && at(pos) == 0 && at(pos + 1) == 0 && at(pos + 2) == 0 && at(pos + 3) == 1) break;
      if (at(pos) == 0 && at(pos + 1) == 0 && at(pos + 2) == 1) break;
      ++pos;
    }
    if (pos >= search_length) pos = size;
    std::ptrdiff_t end = pos;
    while (end > start && at(end - 1) == 0) --end;
    if (start == 0) {
      if (end != start) return std::nullopt;  // leading data before the first start code
    } else {
      result.push_back(static_cast<std::size_t>(start));
    }
    std::ptrdiff_t start_code_length = 3;
    if (pos < size - 3 && at(pos) == 0 && at(pos + 1) == 0 && at(pos + 2) == 0 && at(pos + 3) == 1) {
      start_code_length = 4;
    }
    start = pos = pos + start_code_length;
  }
  return result;
}

std::optional<NaluCodec> detect_codec(ByteView data, const std::vector<std::size_t>& indices) {
  for (const std::size_t index : indices) {
    if (index < data.size() && is_h264_slice(data[index])) return NaluCodec::h264;
  }
  for (const std::size_t index : indices) {
    if (index < data.size() && is_h265_slice(data[index])) return NaluCodec::h265;
  }
  return std::nullopt;
}

std::optional<std::size_t> slice_header_length(ByteView data, const std::vector<std::size_t>& indices,
                                               NaluCodec codec) {
  for (const std::size_t index : indices) {
    if (index < data.size() && is_slice(data[index], codec)) return index + 2;
  }
  return std::nullopt;
}

Bytes normalize_start_codes(ByteView header) {
  Bytes out;
  out.reserve(header.size() + 4);
  std::size_t copied = 0;
  for (std::size_t i = 0; i + 2 < header.size();) {
    if (header[i + 2] == 0) {
      i += 1;
      continue;
    }
    if (header[i + 2] == 1 && header[i] == 0 && header[i + 1] == 0 && (i == 0 || header[i - 1] != 0)) {
      out.insert(out.end(), header.begin() + static_cast<std::ptrdiff_t>(copied),
                 header.begin() + static_cast<std::ptrdiff_t>(i));
      out.push_back(0);
      copied = i;
    }
    // header[i + 2] is not zero, so no start code begins at i + 1 or i + 2.
    i += 3;
  }
  out.insert(out.end(), header.begin() + static_cast<std::ptrdiff_t>(copied), header.end());
  return out;
}

bool needs_unescaping(ByteView data) noexcept {
  for (std::size_t i = 0; i + 3 < data.size(); ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 3) return true;
  }
  return false;
}

Bytes unescape_rbsp(ByteView data) {
  Bytes out;
  out.reserve(data.size());
  for (std::size_t i = 0; i < data.size();) {
    if (data.size() - i >= 3 && data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 3) {
      out.push_back(0);
      out.push_back(0);
      i += 3;
    } else {
      out.push_back(data[i++]);
    }
  }
  return out;
}

Bytes escape_rbsp(ByteView data) {
  Bytes out;
  out.reserve(data.size() + data.size() / 64 + 4);
  int zeros = 0;
  for (const std::uint8_t byte : data) {
    if (byte <= 3 && zeros >= 2) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return out;
}

}  // namespace matrixrtc::core::e2ee::nalu
