#include "core/adapter_protocol_schema.h"

#include "core/usocket/events.h"
#include "core/usocket/usocket_ops.h"

namespace fdlab {

nlohmann::json adapter_protocol_schema() {
  using nlohmann::json;
  json ops = json::array();
  for (const auto& op : usocket::usocket_ops()) ops.push_back(op.name);
  const json label{{"type", "string"}, {"minLength", 1}};
  const json event{
      {"type", "object"},
      {"required", {"on", "event"}},
      {"additionalProperties", false},
      {"properties",
       {{"on", label},
        {"event", {{"enum", usocket::event_names()}}},
        {"code", {{"type", "string"}, {"description", "error: a symbolic code (ECONNRESET)"}}},
        {"error", {{"type", "string"}, {"description", "callback: the error it was called with"}}},
        {"step",
         {{"type", "integer"},
          {"minimum", 0},
          {"description", "callback: the step that registered it"}}},
        {"socket", {{"type", "string"}, {"description", "connection: the new socket's label"}}},
        {"fds",
         {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"description", "fds: the objects behind the received fds, by label"}}}}}};
  const json hello{{"type", "object"},
                   {"required", {"adapter", "library", "protocol", "variant"}},
                   {"additionalProperties", false},
                   {"properties",
                    {{"adapter", label},
                     {"library", {{"type", "string"}, {"description", "name@version under test"}}},
                     {"protocol", {{"const", 1}}},
                     {"variant", label}}}};
  const json record{
      {"type", "object"},
      {"required", {"step", "proc", "op", "result"}},
      {"additionalProperties", false},
      {"properties",
       {{"step", {{"type", "integer"}, {"minimum", 0}}},
        {"proc", label},
        {"op", {{"enum", ops}}},
        {"result", {{"description", "the call's value: null, a value, or {\"error\": code}"}}},
        {"events", {{"type", "array"}, {"minItems", 1}, {"items", {{"$ref", "#/$defs/event"}}}}}}}};
  const json done{{"type", "object"},
                  {"required", {"done"}},
                  {"additionalProperties", false},
                  {"properties", {{"done", {{"const", true}}}}}};
  return {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
          {"$id", "https://fdlab.invalid/adapter-protocol.schema.json"},
          {"title", "fdlab library adapter protocol, version 1: one line of its standard output"},
          {"description",
           "Generated from core/usocket/usocket_ops.cpp and core/usocket/events.h by `fdlab "
           "schema --write`; do not edit. docs/adapter-protocol.md says what each line means."},
          {"oneOf",
           {{{"$ref", "#/$defs/hello"}}, {{"$ref", "#/$defs/record"}}, {{"$ref", "#/$defs/done"}}}},
          {"$defs", {{"hello", hello}, {"record", record}, {"done", done}, {"event", event}}}};
}

}  // namespace fdlab
