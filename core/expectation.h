#pragma once
// A step's `expect`: validated when the scenario is parsed, matched against the step's trace
// record when it runs.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/json_fields.h"
#include "core/scenario.h"

namespace fdlab {

// The keys an `expect` may have, with the JSON Schema of each value (a JSON text) and what it
// checks; the parser's "unknown expectation" message and the generated schema come from here.
struct ExpectKey {
  const char* name;
  const char* schema;
  const char* doc;
};
const std::vector<ExpectKey>& expectation_keys();

// Checks the keys and value types of an `expect` object; returns it unchanged.
nlohmann::json parse_expectation(const nlohmann::json& expect, const JsonFields& step);

// One line per key of `expect` that the record does not satisfy; empty when all hold.
std::vector<std::string> match_expectation(const nlohmann::json& expect,
                                           const nlohmann::json& record);

}  // namespace fdlab
