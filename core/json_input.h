#pragma once
// Reading untrusted JSON (a scenario file, a paste into the page): the syntax, plus what
// nlohmann::json accepts silently but a scenario must not have. A key given twice would let the
// last one win unseen ("op":"close","op":"pipe" runs pipe); nesting without bound makes every
// later recursive walk (copies, comparisons) a stack overflow. Errors are HarnessErrors naming
// the file, and the step and field when the problem sits inside one.
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace fdlab {

// Deeper than any real scenario needs (the deepest bundled one nests 6 levels), shallow enough
// for a recursive walk on the smallest thread stack fdlab runs on.
constexpr int kMaxJsonDepth = 64;

// Larger than any scenario a person or a generator would write (the largest bundled one is
// 33 KB; a generated 10^6-step one is ~70 MB, the size the replay's memory is measured at),
// small enough that parsing cannot exhaust memory: `fdlab replay` reads a file this size in
// about its own size again (parse_scenario_lazily, docs/performance.md).
constexpr std::size_t kMaxScenarioBytes = 128u << 20;

// What a caller takes from the document while it is parsed, before it exists whole: each member
// of the top-level object as it completes, and each element of the top-level array "steps". A
// step the hook returns false for is dropped from the document, so that a long scenario's steps
// need never exist as JSON all at once (docs/performance.md, "How cost grows").
struct JsonInputHooks {
  std::function<void(const std::string& key, const nlohmann::json& value)> member;
  std::function<bool(std::size_t index, nlohmann::json& step)> step;
};

// Parses `text` as one JSON document. Throws HarnessError.
nlohmann::json parse_json_input(const std::string& text, const std::string& file,
                                const JsonInputHooks& hooks = {});

}  // namespace fdlab
