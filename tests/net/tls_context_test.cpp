#include "net/tls_context.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "support/test_certificates.hpp"

namespace matrixrtc::net {
namespace {

// A private directory for the PEM files of one test, removed afterwards.
class TlsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "matrixrtc-tls-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::filesystem::path dir_;
  testing::TestCa ca_;
};

TEST_F(TlsFiles, LoadsAChainAndDescribesItsLeaf) {
  const auto leaf = ca_.issue({"auth.example.org"}, {"127.0.0.1"});
  const auto context =
      ServerTlsContext::load(write("chain.pem", leaf.certificate_pem), write("key.pem", leaf.private_key_pem));
  ASSERT_TRUE(context) << context.error().message;
  EXPECT_EQ((*context)->subject(), "CN=auth.example.org");
  EXPECT_TRUE(std::regex_match((*context)->not_after(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << (*context)->not_after();
  EXPECT_EQ((*context)->serial(), "02");  // the test CA's first leaf
  // The chain's CA went in after the leaf.
  STACK_OF(X509)* chain = nullptr;
  ASSERT_EQ(SSL_CTX_get0_chain_certs((*context)->native().native_handle(), &chain), 1);
  EXPECT_EQ(sk_X509_num(chain), 1);
  // Protocol settings every listener gets.
  SSL_CTX* native = (*context)->native().native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_options(native) & SSL_OP_CIPHER_SERVER_PREFERENCE, 0U);
  EXPECT_NE(SSL_CTX_get_mode(native) & SSL_MODE_RELEASE_BUFFERS, 0U);
}

TEST_F(TlsFiles, EveryErrorNamesTheFile) {
  const auto leaf = ca_.issue({"auth.example.org"});
  const auto other = ca_.issue({"other.example.org"});
  const auto cert = write("chain.pem", leaf.certificate_pem);
  const auto key = write("key.pem", leaf.private_key_pem);
  const auto missing = (dir_ / "missing.pem").string();
  const auto message = [](const core::Result<std::shared_ptr<ServerTlsContext>>& result) {
    return result ? std::string("loaded") : result.error().message;
  };

  EXPECT_EQ(message(ServerTlsContext::load(missing, key)),
            "cannot read TLS certificate file \"" + missing + "\": No such file or directory");
  EXPECT_EQ(message(ServerTlsContext::load(cert, missing)),
            "cannot read TLS key file \"" + missing + "\": No such file or directory");
  const auto garbage = write("garbage.pem", "not a certificate\n");
  EXPECT_EQ(message(ServerTlsContext::load(garbage, key)),
            "TLS certificate file \"" + garbage + "\" holds no PEM certificate");
  EXPECT_EQ(message(ServerTlsContext::load(cert, garbage)),
            "TLS key file \"" + garbage + "\" holds no PEM private key (encrypted keys are not supported)");
  // Certificate and key swapped: neither file holds what it should.
  EXPECT_EQ(message(ServerTlsContext::load(key, cert)),
            "TLS certificate file \"" + key + "\" holds no PEM certificate");
  const auto wrong_key = write("other-key.pem", other.private_key_pem);
  EXPECT_EQ(message(ServerTlsContext::load(cert, wrong_key)),
            "TLS key file \"" + wrong_key + "\" does not match the certificate in \"" + cert + "\"");
  EXPECT_EQ(message(ServerTlsContext::load(cert, key)), "loaded");
}

TEST(TlsContextSlot, NewReadersGetTheReplacementOldHoldersKeepTheirs) {
  testing::TestCa ca;
  const auto a = ca.issue({"a.test"});
  const auto b = ca.issue({"b.test"});
  auto first = ServerTlsContext::from_pem(a.certificate_pem, a.private_key_pem, "a", "a").value();
  auto second = ServerTlsContext::from_pem(b.certificate_pem, b.private_key_pem, "b", "b").value();
  TlsContextSlot slot(first);
  const auto held = slot.current();
  slot.replace(second);
  EXPECT_EQ(slot.current(), second);
  EXPECT_EQ(held->subject(), "CN=a.test");  // still usable after the swap
  EXPECT_EQ(slot.current()->subject(), "CN=b.test");
}

}  // namespace
}  // namespace matrixrtc::net
