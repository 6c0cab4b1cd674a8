#pragma once
// Every usocket-level op, declared once: its name, the fields it reads and what it returns.
// The parser finds ops here; the JSON Schema and docs/scenario-format.md are generated from it.
// The sys.* ops take the kernel level's argument declarations (core/step_args.h).
#include <string_view>
#include <vector>

#include "core/step_args.h"
#include "core/usocket/usocket_scenario.h"

namespace fdlab::usocket {

struct UOpSpec {
  UOp op;
  const char* name;
  std::vector<Field> fields;
  const char* result;  // for people: the docs' "result" column
};

const std::vector<UOpSpec>& usocket_ops();
const UOpSpec* find_uop(std::string_view name);
const UOpSpec& uop_spec(UOp op);

}  // namespace fdlab::usocket
