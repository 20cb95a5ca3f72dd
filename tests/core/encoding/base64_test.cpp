#include "core/encoding/base64.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <string>

namespace matrixrtc::core::base64 {
namespace {

// RFC 4648 section 10 vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(encode(plain, Alphabet::standard, Padding::with), encoded);
    EXPECT_EQ(decode(encoded, Alphabet::standard, Padding::with).value(), plain);
    std::string unpadded(encoded);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(encode(plain, Alphabet::standard, Padding::without), unpadded);
    EXPECT_EQ(decode(unpadded, Alphabet::url, Padding::without).value(), plain);
  }
}

TEST(Base64, AlphabetsDifferOnlyInTwoCharacters) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(encode(bytes, Alphabet::standard, Padding::without), "+/+/");
  EXPECT_EQ(encode(bytes, Alphabet::url, Padding::without), "-_-_");
  EXPECT_EQ(decode("-_-_", Alphabet::url, Padding::without).value(), bytes);
}

// Our encoder against OpenSSL's (an independent implementation of the
// padded standard alphabet) for every length up to 300 and every byte
// value, then the other three forms derived from it and decoded back.
TEST(Base64, EncodingMatchesOpenSslForEveryLength) {
  std::string bytes;
  for (std::size_t length = 0; length <= 300; ++length) {
    std::string reference(4 * ((length + 2) / 3) + 1, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(reference.data()),
                                        reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(length));
    reference.resize(static_cast<std::size_t>(written));
    ASSERT_EQ(encode(bytes, Alphabet::standard, Padding::with), reference) << length;
    std::string url = reference;
    std::ranges::replace(url, '+', '-');
    std::ranges::replace(url, '/', '_');
    EXPECT_EQ(encode(bytes, Alphabet::url, Padding::with), url) << length;
    while (!url.empty() && url.back() == '=') url.pop_back();
    EXPECT_EQ(encode(bytes, Alphabet::url, Padding::without), url) << length;
    EXPECT_EQ(decode(url, Alphabet::url, Padding::without).value(), bytes) << length;
    bytes.push_back(static_cast<char>((length * 151 + 7) % 256));
  }
}

void expect_refused(std::string_view text, Alphabet alphabet, Padding padding, std::string_view message) {
  const auto result = decode(text, alphabet, padding);
  ASSERT_FALSE(result) << text;
  EXPECT_EQ(result.error().code, ErrorCode::invalid_base64);
  EXPECT_EQ(result.error().message, message) << text;
}

TEST(Base64, DecodingIsStrict) {
  expect_refused("-_-_", Alphabet::standard, Padding::without, "invalid base64 character at offset 0");
  expect_refused("+/+/", Alphabet::url, Padding::without, "invalid base64 character at offset 0");
  expect_refused("Zg==", Alphabet::url, Padding::without, "invalid base64 character at offset 2");
  expect_refused("Zg", Alphabet::standard, Padding::with, "base64 length is not a multiple of 4");
  expect_refused("Z", Alphabet::url, Padding::without, "base64 length is impossible");
  expect_refused("Zm9v Yg", Alphabet::url, Padding::without, "invalid base64 character at offset 4");
  expect_refused("Zh", Alphabet::url, Padding::without, "base64 has non-zero trailing bits");
  expect_refused("Zm9=", Alphabet::url, Padding::without, "invalid base64 character at offset 3");
}

}  // namespace
}  // namespace matrixrtc::core::base64
