#include "core/json/strict_parser.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>
#include "core/text.hpp"

namespace matrixrtc::core::json {
namespace {

namespace bj = boost::json;

constexpr std::string_view kNotJson = "M_NOT_JSON";

// SAX handler that builds the value tree (like boost::json::parser does) and
// additionally records the keys of every open object to detect duplicates.
// Keys live in one arena string used as a stack: a nested object's keys are
// dropped when it closes, so memory stays proportional to the open path.
class StrictHandler {
 public:
  static constexpr std::size_t max_object_size = bj::object::max_size();
  static constexpr std::size_t max_array_size = bj::array::max_size();
  static constexpr std::size_t max_key_size = bj::string::max_size();
  static constexpr std::size_t max_string_size = bj::string::max_size();

  bj::value_stack stack;
  std::string failure;  // set when the handler itself rejects the input
  ErrorCode failure_code = ErrorCode::invalid_json;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }

  bool on_object_begin(bj::error_code&) {
    object_starts_.push_back(keys_.size());
    return true;
  }

  bool on_object_end(std::size_t n, bj::error_code& ec) {
    const std::size_t first = object_starts_.back();
    object_starts_.pop_back();
    if (n > 1) {
      auto& names = names_;  // reused: one allocation per document, not per object
      names.clear();
      for (std::size_t i = first; i < keys_.size(); ++i) {
        names.emplace_back(arena_.data() + keys_[i].offset, keys_[i].length);
      }
      std::ranges::sort(names);
      if (const auto dup = std::ranges::adjacent_find(names); dup != names.end()) {
        return reject(ec, ErrorCode::duplicate_key, cat("duplicate key \"", printable(*dup), "\""));
      }
    }
    if (first < keys_.size()) {
      arena_.resize(keys_[first].offset);
      keys_.resize(first);
    }
    stack.push_object(n);
    return true;
  }

  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(std::size_t n, bj::error_code&) {
    stack.push_array(n);
    return true;
  }

  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    start_key_if_needed();
    arena_.append(s.data(), s.size());
    stack.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code&) {
    start_key_if_needed();
    arena_.append(s.data(), s.size());
    keys_.back().length = arena_.size() - keys_.back().offset;
    key_open_ = false;
    stack.push_key(s);
    return true;
  }

  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code&) {
    stack.push_string(s);
    return true;
  }

  bool on_number_part(bj::string_view s, bj::error_code&) {
    note_number_text(s);
    return true;
  }
  bool on_int64(std::int64_t i, bj::string_view, bj::error_code&) {
    number_is_float_ = false;
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, bj::string_view, bj::error_code&) {
    number_is_float_ = false;
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double d, bj::string_view s, bj::error_code& ec) {
    note_number_text(s);
    const bool is_float = number_is_float_;
    number_is_float_ = false;
    if (!is_float) {
      // Boost falls back to double for integers beyond 64 bits; we refuse to
      // round an identifier-like integer silently.
      return reject(ec, ErrorCode::integer_out_of_range, "integer does not fit in 64 bits");
    }
    stack.push_double(d);
    return true;
  }

  bool on_bool(bool b, bj::error_code&) {
    stack.push_bool(b);
    return true;
  }
  bool on_null(bj::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

 private:
  struct KeySpan {
    std::size_t offset;
    std::size_t length;
  };

  void start_key_if_needed() {
    if (!key_open_) {
      keys_.push_back({arena_.size(), 0});
      key_open_ = true;
    }
  }

  void note_number_text(bj::string_view s) {
    if (s.find_first_of(".eE") != bj::string_view::npos) number_is_float_ = true;
  }

  bool reject(bj::error_code& ec, ErrorCode code, std::string why) {
    failure_code = code;
    failure = std::move(why);
    ec = bj::error::syntax;  // any failure stops the parser; our reason wins
    return false;
  }

  static std::string printable(std::string_view key) {
    constexpr std::size_t kMax = 64;
    std::string out(key.substr(0, kMax));
    if (key.size() > kMax) out += "...";
    return out;
  }

  std::string arena_;
  std::vector<KeySpan> keys_;
  std::vector<std::size_t> object_starts_;
  std::vector<std::string_view> names_;
  bool key_open_ = false;
  bool number_is_float_ = false;
};

ErrorCode classify(const bj::error_code& ec) {
  if (ec == bj::error::too_deep) return ErrorCode::nesting_too_deep;
  if (ec == bj::error::illegal_leading_surrogate || ec == bj::error::illegal_trailing_surrogate) {
    return ErrorCode::invalid_surrogate;
  }
  return ErrorCode::invalid_json;
}

// True when `text` ends in \uD800-\uDBFF: the first half of a pair whose
// second half is missing.
bool ends_with_leading_surrogate_escape(std::string_view text) {
  if (text.size() < 6) return false;
  const std::string_view tail = text.substr(text.size() - 6);
  const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  const char third = static_cast<char>(std::tolower(static_cast<unsigned char>(tail[3])));
  return tail[0] == '\\' && tail[1] == 'u' && (tail[2] == 'd' || tail[2] == 'D') &&
         (third == '8' || third == '9' || third == 'a' || third == 'b') && hex(tail[4]) && hex(tail[5]);
}

std::string describe(ErrorCode code, const bj::error_code& ec) {
  switch (code) {
    case ErrorCode::nesting_too_deep: return "nesting is too deep";
    case ErrorCode::invalid_surrogate: return "lone or misordered UTF-16 surrogate in \\u escape";
    default: return ec.message();
  }
}

}  // namespace

Result<bj::value> parse_strict(std::string_view text, const ParseLimits& limits, bj::storage_ptr storage) {
  bj::parse_options options;
  options.max_depth = limits.max_depth;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;

  bj::basic_parser<StrictHandler> parser(options);
  parser.handler().stack.reset(std::move(storage));
  bj::error_code ec;
  const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  StrictHandler& handler = parser.handler();
  if (!handler.failure.empty()) {
    return fail(handler.failure_code, cat(handler.failure, " (at byte ", consumed, ")"), std::string(kNotJson));
  }
  if (ec) {
    // Boost reports malformed UTF-8, and a leading surrogate escape that ends
    // the string, as generic syntax errors; tell them apart so the caller
    // learns what is wrong with the text.
    ErrorCode code = classify(ec);
    if (code == ErrorCode::invalid_json) {
      const auto at = static_cast<unsigned char>(consumed < text.size() ? text[consumed] : '\0');
      if (at >= 0x80) code = ErrorCode::invalid_utf8;
      if (ends_with_leading_surrogate_escape(text.substr(0, consumed))) code = ErrorCode::invalid_surrogate;
    }
    const std::string why = code == ErrorCode::invalid_utf8 ? "invalid UTF-8" : describe(code, ec);
    return fail(code, cat(why, " (at byte ", consumed, ")"), std::string(kNotJson));
  }
  if (!parser.done()) {
    return fail(ErrorCode::invalid_json, "incomplete JSON text", std::string(kNotJson));
  }
  if (consumed != text.size()) {
    return fail(ErrorCode::invalid_json, cat("extra data after the JSON text (at byte ", consumed, ")"),
                std::string(kNotJson));
  }
  return handler.stack.release();
}

Result<bj::object> parse_strict_object(std::string_view text, const ParseLimits& limits, bj::storage_ptr storage) {
  auto value = parse_strict(text, limits, std::move(storage));
  if (!value) return std::unexpected(std::move(value.error()));
  if (!value->is_object()) {
    return fail(ErrorCode::invalid_json, "expected a JSON object", std::string(kNotJson));
  }
  return std::move(value->get_object());
}

}  // namespace matrixrtc::core::json
