// Known-answer vectors generated from livekit-client 2.23 by
// tests/interop/generate_e2ee_vectors.mjs and pinned in vectors/.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/value.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "core/e2ee/key_derivation.hpp"
#include "core/encoding/hex.hpp"
#include "core/json/strict_parser.hpp"

namespace matrixrtc::core::e2ee::testing {

inline boost::json::object load_vectors(const std::string& name) {
  std::ifstream file(std::string(MATRIXRTC_E2EE_VECTORS_DIR) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  auto parsed = json::parse_strict_object(text.str());
  EXPECT_TRUE(parsed) << name;
  return parsed ? *parsed : boost::json::object{};
}

inline std::string str(const boost::json::value& value) { return std::string(value.as_string()); }

/// Hex with optional spaces for readability.
inline Bytes unhex(std::string_view text) {
  std::string digits;
  for (const char c : text) {
    if (c != ' ') digits.push_back(c);
  }
  return hex::decode(digits).value();
}

inline Kdf kdf_named(std::string_view name) { return name == "pbkdf2" ? Kdf::pbkdf2 : Kdf::hkdf; }

}  // namespace matrixrtc::core::e2ee::testing
