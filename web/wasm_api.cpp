// The JavaScript face of the playground (embind): parse(text, file), ops() and class Session.
// Strings in and out; every C++ exception is caught in web/playground.cpp and comes back as
// {"ok": false, "error": {...}}, since one escaping into JavaScript would be an opaque number.
#include <emscripten/bind.h>

#include "core/scenario_schema.h"
#include "web/playground.h"

EMSCRIPTEN_BINDINGS(fdlab) {
  using fdlab::web::Playground;
  emscripten::function("parse", &fdlab::web::parse_result);
  // The op declarations (core/op_table.h, core/usocket/usocket_ops.cpp) as JSON text.
  emscripten::function("ops", +[]() { return fdlab::ops_description().dump(); });
  emscripten::class_<Playground>("Session")
      .constructor<>()
      .function("load", &Playground::load)
      .function("stepTo", &Playground::step_to)
      .function("snapshot", &Playground::snapshot)
      .function("view", &Playground::view)
      .function("state", &Playground::state_json)
      .function("stats", &Playground::stats)
      .function("prefetch", &Playground::prefetch)
      .function("trace", &Playground::trace)
      .function("journey", &Playground::journey)
      .function("divergence", &Playground::divergence);
}
