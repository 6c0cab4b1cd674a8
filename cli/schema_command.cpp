#include "cli/schema_command.h"

#include <fmt/core.h>

#include <fstream>
#include <stdexcept>

#include "core/adapter_protocol_schema.h"
#include "core/scenario_schema.h"
#include "corpus/scenario_files.h"
#include "fuzzing/generator_weights.h"

namespace fdlab {
namespace {

// Replaces what sits between `<!-- generated: NAME -->` and `<!-- end: NAME -->` in `doc`.
std::string with_section(const std::string& doc, const std::string& name, const std::string& body,
                         const std::string& file) {
  const std::string begin = "<!-- generated: " + name + " (fdlab schema --write) -->\n";
  const std::string end = "<!-- end: " + name + " -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b)
    throw std::runtime_error(file + ": the markers of the generated section '" + name +
                             "' are missing");
  return doc.substr(0, b + begin.size()) + body + doc.substr(e);
}

}  // namespace

int run_schema(const SchemaOptions& opt) {
  std::string schema_now, doc_now, doc_want, protocol_now, fuzzing_now, fuzzing_want;
  const std::string schema_want = scenario_schema().dump(2) + "\n";
  const std::string protocol_want = adapter_protocol_schema().dump(2) + "\n";
  try {
    protocol_now = read_text_file(opt.protocol_schema);
  } catch (const std::exception&) {
    // Missing: stale, or written now.
  }
  try {
    doc_now = read_text_file(opt.format_doc);
    doc_want = with_section(doc_now, "kernel ops", kernel_ops_markdown(), opt.format_doc);
    doc_want = with_section(doc_want, "usocket ops", usocket_ops_markdown(), opt.format_doc);
    schema_now = read_text_file(opt.schema);
    fuzzing_now = read_text_file(opt.fuzzing_doc);
    fuzzing_want = with_section(fuzzing_now, "generator actions", generator_actions_markdown(),
                                opt.fuzzing_doc);
    fuzzing_want = with_section(fuzzing_want, "usocket generator actions",
                                usocket_generator_actions_markdown(), opt.fuzzing_doc);
  } catch (const std::exception& e) {
    if (doc_want.empty() || fuzzing_want.empty()) {
      fmt::print(stderr, "fdlab schema: {}\n", e.what());
      return 2;
    }
  }
  if (opt.write) {
    std::ofstream(opt.schema, std::ios::binary) << schema_want;
    std::ofstream(opt.format_doc, std::ios::binary) << doc_want;
    std::ofstream(opt.protocol_schema, std::ios::binary) << protocol_want;
    std::ofstream(opt.fuzzing_doc, std::ios::binary) << fuzzing_want;
    fmt::print("wrote {}, {}, the op tables of {} and the generator's actions in {}\n", opt.schema,
               opt.protocol_schema, opt.format_doc, opt.fuzzing_doc);
    return 0;
  }
  int stale = 0;
  for (const auto& [file, now, want] :
       {std::tuple{opt.schema, schema_now, schema_want},
        std::tuple{opt.format_doc, doc_now, doc_want},
        std::tuple{opt.protocol_schema, protocol_now, protocol_want},
        std::tuple{opt.fuzzing_doc, fuzzing_now, fuzzing_want}}) {
    if (now == want) continue;
    fmt::print("{} is out of date: run `fdlab schema --write`\n", file);
    ++stale;
  }
  if (stale == 0)
    fmt::print("{}, {}, {} and {} are current\n", opt.schema, opt.protocol_schema, opt.format_doc,
               opt.fuzzing_doc);
  return stale == 0 ? 0 : 1;
}

}  // namespace fdlab
