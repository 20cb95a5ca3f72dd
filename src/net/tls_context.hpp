// The server side of native TLS: a certificate chain and private key read
// from PEM files and checked before use (a reload must never swap in a key
// that does not match its certificate), turned into an OpenSSL context with
// our protocol settings, and a slot that every listener reads the newest
// context from so a certificate can be replaced while the service runs.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "core/error.hpp"

namespace matrixrtc::net {

/// One loaded certificate and key, immutable once built. Connections hold it
/// by shared_ptr, so a reload never pulls the context from under them.
class ServerTlsContext {
 public:
  /// Reads both files. Every error names the file it is about.
  [[nodiscard]] static core::Result<std::shared_ptr<ServerTlsContext>> load(const std::string& certificate_file,
                                                                            const std::string& key_file);
  /// The same from PEM text; `certificate_name`/`key_name` are what errors call them.
  [[nodiscard]] static core::Result<std::shared_ptr<ServerTlsContext>> from_pem(std::string_view certificate_pem,
                                                                                std::string_view key_pem,
                                                                                std::string_view certificate_name,
                                                                                std::string_view key_name);

  /// OpenSSL contexts are safe to create connections from on several threads.
  [[nodiscard]] boost::asio::ssl::context& native() { return context_; }
  /// The leaf certificate's subject ("CN=auth.example.org"), notAfter
  /// ("2026-12-01T00:00:00Z") and serial number in hex, for the log.
  [[nodiscard]] const std::string& subject() const { return subject_; }
  [[nodiscard]] const std::string& not_after() const { return not_after_; }
  [[nodiscard]] const std::string& serial() const { return serial_; }

  explicit ServerTlsContext(boost::asio::ssl::context context) : context_(std::move(context)) {}

 private:
  boost::asio::ssl::context context_;
  std::string subject_;
  std::string not_after_;
  std::string serial_;
};

/// The context new connections start with; shared by every listener.
class TlsContextSlot {
 public:
  explicit TlsContextSlot(std::shared_ptr<ServerTlsContext> initial) : current_(std::move(initial)) {}
  [[nodiscard]] std::shared_ptr<ServerTlsContext> current() const {
    const std::scoped_lock lock(mutex_);
    return current_;
  }
  /// Later connections use `next`; open ones keep the context they started with.
  void replace(std::shared_ptr<ServerTlsContext> next) {
    const std::scoped_lock lock(mutex_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<ServerTlsContext> current_;
};

}  // namespace matrixrtc::net
