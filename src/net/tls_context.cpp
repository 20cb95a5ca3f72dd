#include "net/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "core/text.hpp"

namespace matrixrtc::net {
namespace {

namespace ssl = boost::asio::ssl;
using core::cat;

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Certificate = std::unique_ptr<X509, X509Free>;
using PrivateKey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

core::Result<std::shared_ptr<ServerTlsContext>> invalid(std::string message) {
  ERR_clear_error();  // what OpenSSL queued is summed up in `message`
  return core::fail(core::ErrorCode::invalid_argument, std::move(message));
}

Bio memory_bio(std::string_view text) { return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

// Refuses encrypted keys instead of letting OpenSSL prompt on a terminal.
int no_passphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

std::vector<Certificate> read_certificates(std::string_view pem) {
  std::vector<Certificate> certificates;
  const Bio bio = memory_bio(pem);
  while (Certificate certificate{PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)}) {
    certificates.push_back(std::move(certificate));
  }
  ERR_clear_error();  // the read that ended the loop queued "no start line"
  return certificates;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string{};
}

std::string subject_of(X509* certificate) {
  const Bio bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  return bio_text(bio.get());
}

std::string not_after_of(X509* certificate) {
  std::tm time{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &time) != 1) return "unknown";
  char text[32];
  const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &time);
  return std::string(text, length);
}

std::string serial_of(X509* certificate) {
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr);
  if (number == nullptr) return "unknown";
  char* hex = BN_bn2hex(number);
  std::string out = hex != nullptr ? hex : "unknown";
  OPENSSL_free(hex);
  BN_free(number);
  return out;
}

// Browsers and HTTP clients that offer h2 also offer http/1.1; one that offers
// neither still gets a connection without ALPN rather than an alert.
int select_http11(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                  unsigned int offered_length, void* /*arg*/) {
  static constexpr unsigned char kServerProtocols[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kServerProtocols, sizeof kServerProtocols, offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

core::Result<std::string> read_whole_file(const std::string& path, std::string_view what) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    return core::fail(core::ErrorCode::invalid_argument,
                      cat("cannot read ", what, " \"", path, "\": ", std::strerror(errno)));
  std::string content;
  char chunk[4096];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) content.append(chunk, n);
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed)
    return core::fail(core::ErrorCode::invalid_argument,
                      cat("cannot read ", what, " \"", path, "\": ", std::strerror(error)));
  return content;
}

}  // namespace

core::Result<std::shared_ptr<ServerTlsContext>> ServerTlsContext::load(const std::string& certificate_file,
                                                                       const std::string& key_file) {
  auto certificate_pem = read_whole_file(certificate_file, "TLS certificate file");
  if (!certificate_pem) return std::unexpected(std::move(certificate_pem.error()));
  auto key_pem = read_whole_file(key_file, "TLS key file");
  if (!key_pem) return std::unexpected(std::move(key_pem.error()));
  return from_pem(*certificate_pem, *key_pem, certificate_file, key_file);
}

core::Result<std::shared_ptr<ServerTlsContext>> ServerTlsContext::from_pem(std::string_view certificate_pem,
                                                                           std::string_view key_pem,
                                                                           std::string_view certificate_name,
                                                                           std::string_view key_name) {
  auto chain = read_certificates(certificate_pem);
  if (chain.empty()) return invalid(cat("TLS certificate file \"", certificate_name, "\" holds no PEM certificate"));
  const Bio key_bio = memory_bio(key_pem);
  const PrivateKey key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return invalid(cat("TLS key file \"", key_name, "\" holds no PEM private key (encrypted keys are not supported)"));
  }
  X509* leaf = chain.front().get();
  if (X509_check_private_key(leaf, key.get()) != 1) {
    return invalid(cat("TLS key file \"", key_name, "\" does not match the certificate in \"", certificate_name, "\""));
  }

  auto result = std::make_shared<ServerTlsContext>(ssl::context(ssl::context::tls_server));
  SSL_CTX* native = result->context_.native_handle();
  // TLS 1.2 and 1.3 with OpenSSL's default cipher lists; we pick the cipher.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  // Kept-alive connections idle between requests give their 2 x 16 KiB record
  // buffers back: at the default cap of 10,000 connections that is 320 MiB.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  bool ok = SSL_CTX_use_certificate(native, leaf) == 1;
  for (std::size_t i = 1; ok && i < chain.size(); ++i) ok = SSL_CTX_add1_chain_cert(native, chain[i].get()) == 1;
  ok = ok && SSL_CTX_use_PrivateKey(native, key.get()) == 1 && SSL_CTX_check_private_key(native) == 1;
  if (!ok) {
    return invalid(cat("TLS certificate file \"", certificate_name, "\" or key file \"", key_name,
                       "\" was refused by OpenSSL (e.g. a key too weak for its security level)"));
  }
  result->subject_ = subject_of(leaf);
  result->not_after_ = not_after_of(leaf);
  result->serial_ = serial_of(leaf);
  return result;
}

}  // namespace matrixrtc::net
