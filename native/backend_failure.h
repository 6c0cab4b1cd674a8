#pragma once
// How the native backend reports a failure of the harness itself (a syscall the harness needs
// failed, the kernel said something the model has no name for): a HarnessError whose message
// starts "native: ". It names neither file nor step; core's replay, which knows them, fills them
// in (HarnessError::located). Never used for what a scenario's own syscall returns: that is an
// Outcome's errno (core/kernel.h). On a worker thread, host calls record such a failure in
// HostResult::failure instead, and the driver raises it here (native/host_ops.h).
#include <cstring>
#include <string>

#include "core/harness_error.h"

namespace fdlab::native {

[[noreturn]] inline void backend_failure(const std::string& what) {
  throw HarnessError("", -1, "", "native: " + what);
}

// `what: <strerror(err)>`.
[[noreturn]] inline void backend_failure(const std::string& what, int err) {
  backend_failure(what + ": " + std::strerror(err));
}

}  // namespace fdlab::native
