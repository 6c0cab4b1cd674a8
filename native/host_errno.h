#pragma once
// The one place where host errno values become the core's symbolic Errno. Nothing outside
// native/ ever sees a host number (core/errno_name.h says why).
#include "core/errno_name.h"

namespace fdlab::native {

// Throws HarnessError for a host errno the core does not model: reporting it as some other
// name would make a trace lie, and it means the model needs a new Errno.
Errno errno_from_host(int host_errno);

}  // namespace fdlab::native
