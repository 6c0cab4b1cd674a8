#pragma once
// What a usocket API call answers at once, as the kernel level's Outcome does for a syscall:
// accepted, or refused with a code — an errno name (EISCONN, EBADF) or one of the model's own
// (core/usocket/usocket.h, namespace error; docs/usocket-semantics.md). What happens later
// (a connect that fails, a peer that resets) is an 'error' event, never a CallResult.
#include <optional>
#include <string>
#include <utility>

namespace fdlab::usocket {

// The refusal codes that are the model's own, or node's (docs/usocket-semantics.md).
namespace error {
constexpr const char* fds_without_data = "EFDS_WITHOUT_DATA";  // stream would drop them
constexpr const char* empty_write = "EEMPTY_WRITE";            // neither data nor fds
constexpr const char* not_connected = "ENOTCONN";
constexpr const char* already_connected = "EISCONN";
constexpr const char* write_after_end = "ERR_STREAM_WRITE_AFTER_END";  // node's code
constexpr const char* destroyed = "EDESTROYED";
constexpr const char* already_listening = "EALREADY";
}  // namespace error

class [[nodiscard]] CallResult {
 public:
  static CallResult accepted() { return CallResult(); }
  // An accepted call whose JavaScript return value says something: write()'s true or false.
  static CallResult returned(bool value) {
    CallResult r;
    r.value_ = value;
    return r;
  }
  static CallResult refused(std::string code) { return CallResult(std::move(code)); }

  bool ok() const { return !refused_; }
  const std::string& code() const { return code_; }  // "" when accepted
  // The call's return value when it has one (write); nullopt for the calls that return nothing.
  std::optional<bool> value() const { return value_; }

 private:
  CallResult() = default;
  explicit CallResult(std::string code) : refused_(true), code_(std::move(code)) {}
  bool refused_ = false;
  std::string code_;
  std::optional<bool> value_;
};

}  // namespace fdlab::usocket
