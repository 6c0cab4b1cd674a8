#pragma once
// Reading untrusted JSON (a scenario file, a paste into the page): the syntax, plus what
// nlohmann::json accepts silently but a scenario must not have. A key given twice would let the
// last one win unseen ("op":"close","op":"pipe" runs pipe); nesting without bound makes every
// later recursive walk (copies, comparisons) a stack overflow. Errors are HarnessErrors naming
// the file, and the step and field when the problem sits inside one.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace fdlab {

// Deeper than any real scenario needs (the deepest bundled one nests 6 levels), shallow enough
// for a recursive walk on the smallest thread stack fdlab runs on.
constexpr int kMaxJsonDepth = 64;

// Larger than any scenario a person or a generator would write (the largest bundled one is
// 33 KB; a generated 10,000-step one is ~1 MB), small enough that parsing cannot exhaust memory.
constexpr std::size_t kMaxScenarioBytes = 32u << 20;

// Parses `text` as one JSON document. Throws HarnessError.
nlohmann::json parse_json_input(const std::string& text, const std::string& file);

}  // namespace fdlab
