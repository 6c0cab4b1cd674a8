#pragma once
// Shrinks a failing scenario to a small one that still fails: delta debugging (ddmin) over its
// steps, then each step's arguments (an optional field dropped, an array element dropped), then
// its sizes (data, data_size, len, fd_space halved), repeated until nothing more goes.
// "Fails" is the caller's: sim and native differ, or the parser crashes.
#include <functional>
#include <nlohmann/json.hpp>

namespace fdlab {

// Whether a candidate still shows the failure. A candidate may be invalid (a step removed that
// bound a label a later step uses): the predicate answers false for it, and must not throw.
using StillFails = std::function<bool(const nlohmann::json& scenario)>;

struct ShrinkResult {
  nlohmann::json scenario;
  int tries = 0;  // how many candidates were run
};

ShrinkResult shrink_scenario(const nlohmann::json& scenario, const StillFails& still_fails,
                             int max_tries = 3000);

}  // namespace fdlab
