#include "core/json/canonical_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <vector>
#include "core/text.hpp"

namespace matrixrtc::core::json {
namespace {

namespace bj = boost::json;

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kBadJson = "M_BAD_JSON";

void append_u_escape(std::string& out, std::uint32_t unit) {
  out += "\\u";
  out.push_back(kHex[(unit >> 12) & 0xF]);
  out.push_back(kHex[(unit >> 8) & 0xF]);
  out.push_back(kHex[(unit >> 4) & 0xF]);
  out.push_back(kHex[unit & 0xF]);
}

// Decodes one UTF-8 sequence starting at text[i] (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF). Returns its length, or 0 if invalid.
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const std::uint8_t lead = byte(0);
  std::size_t length = 0;
  std::uint32_t min = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1Fu;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0Fu;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(k) & 0x3Fu);
  }
  if (code_point < min || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) return 0;
  return length;
}

constexpr bool needs_ascii_escape(unsigned char c) { return c == '>' || c == '?' || c == '~' || c == 0x7F; }

// Bytes written as themselves in a JSON string, one table per escaping: a
// lookup per byte instead of a chain of comparisons.
using PlainTable = std::array<bool, 256>;
constexpr PlainTable plain_table(Escaping escaping) {
  PlainTable table{};
  for (unsigned c = 0x20; c < 0x80; ++c) {
    table[c] = c != '"' && c != '\\' && (escaping != Escaping::jwt_ascii || !needs_ascii_escape(static_cast<unsigned char>(c)));
  }
  return table;
}
constexpr PlainTable kPlainCanonical = plain_table(Escaping::canonical);
constexpr PlainTable kPlainJwtAscii = plain_table(Escaping::jwt_ascii);

Result<void> write_value(std::string& out, const bj::value& value, Escaping escaping, std::size_t depth);

Result<void> write_object(std::string& out, const bj::object& object, Escaping escaping, std::size_t depth) {
  std::vector<const bj::key_value_pair*> members;
  members.reserve(object.size());
  for (const auto& member : object) members.push_back(&member);
  // Byte order of UTF-8 equals code point order, which the spec asks for.
  std::ranges::sort(members, [](const auto* a, const auto* b) { return a->key() < b->key(); });
  out.push_back('{');
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (auto ok = write_json_string(out, members[i]->key(), escaping); !ok) return ok;
    out.push_back(':');
    if (auto ok = write_value(out, members[i]->value(), escaping, depth + 1); !ok) return ok;
  }
  out.push_back('}');
  return {};
}

Result<void> write_integer(std::string& out, std::int64_t value) {
  if (value > kMaxCanonicalInteger || value < -kMaxCanonicalInteger) {
    return fail(ErrorCode::integer_out_of_range, cat("integer ", value, " is outside the canonical JSON range"),
                std::string(kBadJson));
  }
  char buffer[24];
  const auto result = std::to_chars(std::begin(buffer), std::end(buffer), value);
  out.append(buffer, result.ptr);
  return {};
}

Result<void> write_value(std::string& out, const bj::value& value, Escaping escaping, std::size_t depth) {
  // Values built in code have no parser depth limit; keep recursion bounded.
  constexpr std::size_t kMaxDepth = 512;
  if (depth > kMaxDepth) return fail(ErrorCode::nesting_too_deep, "nesting is too deep", std::string(kBadJson));
  switch (value.kind()) {
    case bj::kind::null: out += "null"; return {};
    case bj::kind::bool_: out += value.get_bool() ? "true" : "false"; return {};
    case bj::kind::int64: return write_integer(out, value.get_int64());
    case bj::kind::uint64: {
      const std::uint64_t u = value.get_uint64();
      if (u > static_cast<std::uint64_t>(kMaxCanonicalInteger)) {
        return fail(ErrorCode::integer_out_of_range, cat("integer ", u, " is outside the canonical JSON range"),
                    std::string(kBadJson));
      }
      return write_integer(out, static_cast<std::int64_t>(u));
    }
    case bj::kind::double_:
      return fail(ErrorCode::float_not_allowed, "canonical JSON does not allow floating-point numbers",
                  std::string(kBadJson));
    case bj::kind::string: return write_json_string(out, value.get_string(), escaping);
    case bj::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        if (auto ok = write_value(out, element, escaping, depth + 1); !ok) return ok;
      }
      out.push_back(']');
      return {};
    }
    case bj::kind::object: return write_object(out, value.get_object(), escaping, depth);
  }
  return fail(ErrorCode::invalid_argument, "unknown JSON value kind");
}

}  // namespace

Result<void> write_json_string(std::string& out, std::string_view utf8, Escaping escaping) {
  // Most strings (tokens, URLs, IDs) are plain ASCII: they are copied in runs
  // rather than a byte at a time, which showed in the service's profile.
  out.reserve(out.size() + utf8.size() + 2);
  out.push_back('"');
  const PlainTable& plain = escaping == Escaping::jwt_ascii ? kPlainJwtAscii : kPlainCanonical;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const std::size_t run_start = i;
    while (i < utf8.size() && plain[static_cast<unsigned char>(utf8[i])]) ++i;
    if (i > run_start) {
      out.append(utf8.data() + run_start, i - run_start);
      continue;
    }
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c >= 0x80) {
      std::uint32_t code_point = 0;
      const std::size_t length = decode_utf8(utf8, i, code_point);
      if (length == 0) {
        return fail(ErrorCode::invalid_utf8, cat("invalid UTF-8 in string at byte ", i), std::string(kBadJson));
      }
      if (escaping == Escaping::canonical) {
        out.append(utf8.substr(i, length));
      } else if (code_point >= 0x10000) {
        const std::uint32_t v = code_point - 0x10000;
        append_u_escape(out, 0xD800 + (v >> 10));
        append_u_escape(out, 0xDC00 + (v & 0x3FF));
      } else {
        append_u_escape(out, code_point);
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || (escaping == Escaping::jwt_ascii && needs_ascii_escape(c))) {
          append_u_escape(out, c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
  return {};
}

Result<std::string> canonical_json(const bj::value& value, Escaping escaping) {
  std::string out;
  if (auto ok = write_value(out, value, escaping, 0); !ok) return std::unexpected(std::move(ok.error()));
  return out;
}

Result<std::string> canonical_string_array(std::span<const std::string_view> items) {
  std::string out;
  std::size_t size = 2;
  for (const auto item : items) size += item.size() + 3;
  out.reserve(size);
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (auto ok = write_json_string(out, items[i], Escaping::canonical); !ok) {
      return std::unexpected(std::move(ok.error()));
    }
  }
  out.push_back(']');
  return out;
}

}  // namespace matrixrtc::core::json
