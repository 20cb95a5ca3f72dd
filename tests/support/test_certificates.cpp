#include "support/test_certificates.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace matrixrtc::testing {

namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;
using Bio = std::unique_ptr<BIO, BioDeleter>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL failed to ") + what);
}

Key make_key() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "generate a key");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  check(extension != nullptr, "build an extension");
  check(X509_add_ext(cert, extension, -1) == 1, "add an extension");
  X509_EXTENSION_free(extension);
}

Cert make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  Cert cert(X509_new());
  check(cert != nullptr, "allocate a certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  (void)issuer_key;
  return cert;
}

std::string to_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "write a certificate");
  char* data = nullptr;
  const long size = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
  return {data, static_cast<std::size_t>(size)};
}

std::string to_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "write a key");
  char* data = nullptr;
  const long size = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
  return {data, static_cast<std::size_t>(size)};
}

}  // namespace

struct TestCa::Impl {
  Key key;
  Cert cert;
  std::string pem;
  std::string file;
  mutable long next_serial = 2;
};

TestCa::TestCa(const std::string& common_name) : impl_(std::make_unique<Impl>()) {
  impl_->key = make_key();
  impl_->cert = make_certificate(impl_->key.get(), common_name, nullptr, nullptr, 1);
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(impl_->cert.get(), impl_->cert.get(), NID_subject_key_identifier, "hash");
  check(X509_sign(impl_->cert.get(), impl_->key.get(), EVP_sha256()) > 0, "sign the CA");
  impl_->pem = to_pem(impl_->cert.get());

  std::string path = (std::filesystem::temp_directory_path() / "matrixrtc-test-ca-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  check(fd >= 0, "create the CA file");
  const auto written = ::write(fd, impl_->pem.data(), impl_->pem.size());
  ::close(fd);
  check(written == static_cast<ssize_t>(impl_->pem.size()), "write the CA file");
  impl_->file = path;
}

TestCa::~TestCa() {
  std::error_code ignored;
  std::filesystem::remove(impl_->file, ignored);
}

TestLeaf TestCa::issue(const std::vector<std::string>& dns_names, const std::vector<std::string>& ip_addresses) const {
  Key key = make_key();
  const std::string common_name = dns_names.empty() ? ip_addresses.at(0) : dns_names.front();
  Cert cert = make_certificate(key.get(), common_name, impl_->cert.get(), impl_->key.get(), impl_->next_serial++);
  std::string names;
  for (const auto& name : dns_names) names += (names.empty() ? "DNS:" : ",DNS:") + name;
  for (const auto& ip : ip_addresses) names += (names.empty() ? "IP:" : ",IP:") + ip;
  add_extension(cert.get(), impl_->cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), impl_->cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), impl_->cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), impl_->cert.get(), NID_authority_key_identifier, "keyid");
  if (!names.empty()) add_extension(cert.get(), impl_->cert.get(), NID_subject_alt_name, names);
  check(X509_sign(cert.get(), impl_->key.get(), EVP_sha256()) > 0, "sign a leaf");
  return TestLeaf{to_pem(cert.get()) + impl_->pem, to_pem(key.get())};
}

const std::string& TestCa::certificate_pem() const { return impl_->pem; }
const std::string& TestCa::certificate_file() const { return impl_->file; }

}  // namespace matrixrtc::testing
