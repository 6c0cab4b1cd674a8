#pragma once
// `fdlab schema`: writes or checks what is generated from the op declarations:
// docs/scenario.schema.json, the op tables in docs/scenario-format.md, and the adapter
// protocol's schema, docs/adapter-protocol.schema.json; and the generator's action table in
// docs/fuzzing.md.
#include <string>

namespace fdlab {

struct SchemaOptions {
  std::string schema = "docs/scenario.schema.json";
  std::string format_doc = "docs/scenario-format.md";
  std::string protocol_schema = "docs/adapter-protocol.schema.json";
  std::string fuzzing_doc = "docs/fuzzing.md";
  bool write = false;  // rewrite the files instead of checking them
};

// 0 when the files are current (or were written), 1 when one is stale, 2 when one is missing
// its markers.
int run_schema(const SchemaOptions& options);

}  // namespace fdlab
