#pragma once
// Parsing of the named-socket and socket-option arguments of a step (docs/scenario-format.md,
// "Addresses"). Errors name the step and the field, like the rest of the parser.
#include "core/json_fields.h"
#include "core/kernel.h"

namespace fdlab {

// `path` (and `abstract`): a name inside the scenario's private directory, or an abstract
// name ("@name" or "abstract": true) when may_be_abstract. Anything that could leave the
// directory is refused here, before anything runs. Both levels use it: usocket's listen and
// connect take file paths only (may_be_abstract false).
SockAddr parse_sock_addr(JsonFields& f, bool may_be_abstract, const char* field = "path");

// setsockopt's `value`: an int, or a bool (stored as 0/1).
long parse_sock_opt_value(JsonFields& f);

}  // namespace fdlab
