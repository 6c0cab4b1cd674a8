#pragma once
// What is generated from the op declarations (core/op_table.h, core/usocket/usocket_ops.h):
// the JSON Schema of a scenario (docs/scenario.schema.json) and the op tables of
// docs/scenario-format.md. `fdlab schema` writes them and fails when the files are stale.
#include <nlohmann/json.hpp>
#include <string>

namespace fdlab {

nlohmann::json scenario_schema();

// The ops of both levels as data, for the page (which describes steps from it instead of
// keeping its own copy): {"kernel": [...], "usocket": [...]}, each op
// {"op", "aliases", "fields": [{"name", "type", "required"}], "result"}.
nlohmann::json ops_description();

// The markdown tables of ops, one row per op: | op | arguments | result |.
std::string kernel_ops_markdown();
std::string usocket_ops_markdown();

}  // namespace fdlab
