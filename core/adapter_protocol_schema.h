#pragma once
// The JSON Schema of what a library adapter prints (docs/adapter-protocol.md): generated from
// the usocket-level op declarations and the model's event names by `fdlab schema --write` into
// docs/adapter-protocol.schema.json, so the protocol cannot drift from the ops it carries.
#include <nlohmann/json.hpp>

namespace fdlab {

nlohmann::json adapter_protocol_schema();

}  // namespace fdlab
