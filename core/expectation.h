#pragma once
// A step's `expect`: validated when the scenario is parsed, matched against the step's trace
// record when it runs.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/json_fields.h"
#include "core/scenario.h"

namespace fdlab {

// Checks the keys and value types of an `expect` object; returns it unchanged.
nlohmann::json parse_expectation(const nlohmann::json& expect, const JsonFields& step, OpKind op);

// One line per key of `expect` that the record does not satisfy; empty when all hold.
std::vector<std::string> match_expectation(const nlohmann::json& expect,
                                           const nlohmann::json& record);

}  // namespace fdlab
