// Strict JSON parsing and canonical serialisation on arbitrary bytes: never
// crash, and whatever parses must serialise to text that parses back to the
// same canonical form (idempotence).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json/canonical_json.hpp"
#include "core/json/strict_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace matrixrtc::core::json;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto value = parse_strict(text);
  if (!value) return 0;
  for (const auto escaping : {Escaping::canonical, Escaping::jwt_ascii}) {
    const auto canonical = canonical_json(*value, escaping);
    if (!canonical) continue;  // floats or out-of-range integers: refused, fine
    const auto again = parse_strict(*canonical);
    if (!again) std::abort();
    const auto twice = canonical_json(*again, escaping);
    if (!twice || *twice != *canonical) std::abort();
  }
  return 0;
}
