#pragma once
// Trace records: one JSON object per step, the normalized result every backend must agree on
// (docs/scenario-format.md, "Trace records").
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/scenario.h"

namespace fdlab {

// Byte strings longer than this are recorded by length and hash only.
constexpr std::size_t kTraceBytesInline = 256;

// "SOCK_STREAM", ... as getsockopt(SO_TYPE) is reported.
const char* sock_type_name(SockType t);

// "fnv1a:0123456789abcdef"
std::string trace_hash(const std::string& bytes);

// `objects[i]` is the label of outcome.fds[i]'s object.
nlohmann::json trace_record(const Scenario& sc, const Step& step, const Outcome& outcome,
                            const std::vector<std::string>& objects);

struct Divergence {
  bool found = false;
  std::size_t index = 0;  // position in the traces
  nlohmann::json left;    // null when that trace ended first
  nlohmann::json right;
};

Divergence first_divergence(const std::vector<nlohmann::json>& left,
                            const std::vector<nlohmann::json>& right);

}  // namespace fdlab
