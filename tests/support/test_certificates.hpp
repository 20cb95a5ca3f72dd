// Certificates made at test time with OpenSSL: a CA and leaf certificates for
// chosen DNS names and IP addresses, as PEM, plus the CA as a file for
// options that take a path. Nothing is read from or written to a fixed place.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace matrixrtc::testing {

struct TestLeaf {
  std::string certificate_pem;  ///< the leaf followed by its CA
  std::string private_key_pem;
};

class TestCa {
 public:
  explicit TestCa(const std::string& common_name = "matrixrtc test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  /// A server certificate valid for the names ("hs.test") and IPs ("127.0.0.1", "::1").
  [[nodiscard]] TestLeaf issue(const std::vector<std::string>& dns_names,
                               const std::vector<std::string>& ip_addresses = {}) const;
  [[nodiscard]] const std::string& certificate_pem() const;
  /// A temporary PEM file holding the CA certificate, removed with the CA.
  [[nodiscard]] const std::string& certificate_file() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace matrixrtc::testing
